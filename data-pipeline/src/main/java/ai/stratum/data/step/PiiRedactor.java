package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.PiiConfig;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces e-mail addresses, IPv4 and IPv6 addresses with fixed strings; never drops a document. Counters:
 * {@code emails}, {@code ipv4}, {@code ipv6} replaced. IPv4 matches need four octets in 0-255 not glued to
 * other digits or dots (so version numbers like 1.2.3.4.5 stay); IPv6 candidates are checked by a parser
 * (eight groups, or fewer around one {@code ::}), so times like 12:30:45 are not touched.
 */
public final class PiiRedactor implements DocumentStep {
    private static final Pattern EMAIL = Pattern.compile(
            "(?<![\\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\\.[A-Za-z]{2,}(?![\\w-])");
    private static final String OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile(
            "(?<![\\d.])" + OCTET + "\\." + OCTET + "\\." + OCTET + "\\." + OCTET + "(?![\\d]|\\.\\d)");
    private static final Pattern IPV6_CANDIDATE = Pattern.compile("(?<![\\w:])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(?![\\w:])");
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
            text = replace(text, EMAIL, c.emailReplacement(), stats, "emails");
        }
        if (c.ipv4() && text.indexOf('.') >= 0) {
            text = replace(text, IPV4, c.ipv4Replacement(), stats, "ipv4");
        }
        if (c.ipv6() && text.indexOf(':') >= 0) {
            Matcher m = IPV6_CANDIDATE.matcher(text);
            StringBuilder sb = new StringBuilder();
            int n = 0;
            while (m.find()) {
                if (isIpv6(m.group())) {
                    m.appendReplacement(sb, Matcher.quoteReplacement(c.ipv6Replacement()));
                    n++;
                }
            }
            if (n > 0) {
                m.appendTail(sb);
                text = sb.toString();
                stats.count("ipv6", n);
            }
        }
        return StepResult.keep(text.equals(doc.text()) ? doc : doc.withText(text));
    }

    private static String replace(String text, Pattern pattern, String replacement, StepStats stats, String counter) {
        Matcher m = pattern.matcher(text);
        StringBuilder sb = new StringBuilder();
        int n = 0;
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
            n++;
        }
        if (n == 0) {
            return text;
        }
        m.appendTail(sb);
        stats.count(counter, n);
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
