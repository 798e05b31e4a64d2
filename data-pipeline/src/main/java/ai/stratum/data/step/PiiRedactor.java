package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.PiiConfig;

/**
 * Replaces e-mail addresses, IPv4 and IPv6 addresses with fixed strings; never drops a document. Counters:
 * {@code emails}, {@code ipv4}, {@code ipv6} replaced. Hand-written scanners rather than regular expressions:
 * they run at memory speed and state their rules plainly.
 *
 * <ul>
 *   <li>E-mail: a local part of {@code [A-Za-z0-9._%+-]} starting with a letter or digit, {@code @}, then a
 *       domain of two or more dot-separated labels ({@code [A-Za-z0-9-]}, not starting or ending with
 *       {@code -}) whose last label has two or more letters; not followed by {@code _} or {@code @}.</li>
 *   <li>IPv4: four dot-separated octets 0-255 (no leading zeros), not glued to other digits, dots or letters,
 *       so version numbers like 1.2.3.4.5 stay.</li>
 *   <li>IPv6: a run of hex digits and colons, not glued to letters, digits or {@code _}, that parses as eight
 *       groups or as 2-7 groups around one {@code ::} (times like 12:30:45 and the bare {@code ::1} stay).</li>
 * </ul>
 */
public final class PiiRedactor implements DocumentStep {
    private final PiiConfig c;

    public PiiRedactor(PiiConfig config) {
        this.c = config;
    }

    @Override
    public String name() {
        return "pii";
    }

    @Override
    public StepResult apply(Document doc, StepStats stats) {
        String text = doc.text();
        if (c.emails() && text.indexOf('@') >= 0) {
            text = redactEmails(text, stats);
        }
        if (c.ipv4() && text.indexOf('.') >= 0) {
            text = redactIpv4(text, stats);
        }
        if (c.ipv6() && text.indexOf(':') >= 0) {
            text = redactIpv6(text, stats);
        }
        return StepResult.keep(text.equals(doc.text()) ? doc : doc.withText(text));
    }

    private static boolean isAsciiAlnum(char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    }

    private static boolean isLocalChar(char ch) {
        return isAsciiAlnum(ch) || ch == '.' || ch == '_' || ch == '%' || ch == '+' || ch == '-';
    }

    private static boolean isHex(char ch) {
        return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
    }

    private String redactEmails(String text, StepStats stats) {
        StringBuilder sb = null;
        int copied = 0;
        int count = 0;
        for (int at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
            int start = at;
            while (start > copied && isLocalChar(text.charAt(start - 1))) {
                start--;
            }
            if (start == at || !isAsciiAlnum(text.charAt(start))) {
                continue;
            }
            int end = at + 1;
            while (end < text.length() && (isAsciiAlnum(text.charAt(end)) || text.charAt(end) == '.'
                    || text.charAt(end) == '-')) {
                end++;
            }
            while (end > at + 1 && text.charAt(end - 1) == '.') {
                end--;
            }
            if (end < text.length() && (text.charAt(end) == '_' || text.charAt(end) == '@')) {
                continue;
            }
            if (!isDomain(text, at + 1, end)) {
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(text.length());
            }
            sb.append(text, copied, start).append(c.emailReplacement());
            copied = end;
            count++;
            at = end - 1;
        }
        return finish(text, sb, copied, count, stats, "emails");
    }

    private static boolean isDomain(String text, int from, int to) {
        int labels = 0;
        int labelStart = from;
        for (int i = from; i <= to; i++) {
            if (i == to || text.charAt(i) == '.') {
                if (i == labelStart || text.charAt(labelStart) == '-' || text.charAt(i - 1) == '-') {
                    return false;
                }
                labels++;
                if (i == to) {
                    for (int k = labelStart; k < i; k++) {
                        if (!Character.isLetter(text.charAt(k))) {
                            return false;
                        }
                    }
                    return labels >= 2 && i - labelStart >= 2;
                }
                labelStart = i + 1;
            }
        }
        return false;
    }

    private String redactIpv4(String text, StepStats stats) {
        StringBuilder sb = null;
        int copied = 0;
        int count = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char ch = text.charAt(i);
            if (ch < '0' || ch > '9' || (i > 0 && isGlued(text.charAt(i - 1)))) {
                continue;
            }
            int end = parseIpv4(text, i);
            if (end < 0) {
                while (i + 1 < n && text.charAt(i + 1) >= '0' && text.charAt(i + 1) <= '9') {
                    i++;
                }
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(n);
            }
            sb.append(text, copied, i).append(c.ipv4Replacement());
            copied = end;
            count++;
            i = end - 1;
        }
        return finish(text, sb, copied, count, stats, "ipv4");
    }

    private static boolean isGlued(char ch) {
        return isAsciiAlnum(ch) || ch == '.' || ch == '_';
    }

    /** End of an IPv4 address starting at {@code from}, or -1. */
    private static int parseIpv4(String text, int from) {
        int n = text.length();
        int i = from;
        for (int octet = 0; octet < 4; octet++) {
            if (octet > 0) {
                if (i >= n || text.charAt(i) != '.') {
                    return -1;
                }
                i++;
            }
            int start = i;
            int value = 0;
            while (i < n && i - start < 4 && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                value = value * 10 + (text.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && text.charAt(start) == '0')) {
                return -1;
            }
        }
        if (i < n && (isAsciiAlnum(text.charAt(i)) || text.charAt(i) == '_'
                || (text.charAt(i) == '.' && i + 1 < n && text.charAt(i + 1) >= '0' && text.charAt(i + 1) <= '9'))) {
            return -1;
        }
        return i;
    }

    private String redactIpv6(String text, StepStats stats) {
        StringBuilder sb = null;
        int copied = 0;
        int count = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char ch = text.charAt(i);
            if (!(isHex(ch) || ch == ':')) {
                continue;
            }
            int start = i;
            while (i < n && (isHex(text.charAt(i)) || text.charAt(i) == ':')) {
                i++;
            }
            boolean gluedBefore = start > 0 && (isAsciiAlnum(text.charAt(start - 1)) || text.charAt(start - 1) == '_');
            boolean gluedAfter = i < n && (isAsciiAlnum(text.charAt(i)) || text.charAt(i) == '_');
            if (!gluedBefore && !gluedAfter && text.indexOf(':', start) >= 0 && text.indexOf(':', start) < i
                    && isIpv6(text.substring(start, i))) {
                if (sb == null) {
                    sb = new StringBuilder(n);
                }
                sb.append(text, copied, start).append(c.ipv6Replacement());
                copied = i;
                count++;
            }
            if (gluedAfter) {
                while (i < n && (isAsciiAlnum(text.charAt(i)) || text.charAt(i) == '_')) {
                    i++;
                }
            }
        }
        return finish(text, sb, copied, count, stats, "ipv6");
    }

    private static String finish(String text, StringBuilder sb, int copied, int count, StepStats stats,
                                 String counter) {
        if (sb == null) {
            return text;
        }
        sb.append(text, copied, text.length());
        stats.count(counter, count);
        return sb.toString();
    }

    /**
     * True for a textual IPv6 address: 8 groups of 1-4 hex digits, or 2 to 7 groups around exactly one
     * {@code ::} (a bare {@code ::1} is loopback, not personal).
     */
    static boolean isIpv6(String s) {
        int doubleColon = s.indexOf("::");
        if (doubleColon < 0) {
            return countGroups(s) == 8;
        }
        if (s.indexOf("::", doubleColon + 1) >= 0 || s.contains(":::")) {
            return false;
        }
        String head = s.substring(0, doubleColon);
        String tail = s.substring(doubleColon + 2);
        int h = head.isEmpty() ? 0 : countGroups(head);
        int t = tail.isEmpty() ? 0 : countGroups(tail);
        return h >= 0 && t >= 0 && h + t >= 2 && h + t <= 7;
    }

    private static int countGroups(String s) {
        String[] parts = s.split(":", -1);
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 4) {
                return -1;
            }
        }
        return parts.length;
    }
}
