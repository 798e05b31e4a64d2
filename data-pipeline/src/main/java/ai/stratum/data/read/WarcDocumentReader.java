package ai.stratum.data.read;

import ai.stratum.data.Document;
import ai.stratum.data.Reject;
import ai.stratum.data.StepStats;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.WarcConversion;
import org.netpreserve.jwarc.WarcReader;
import org.netpreserve.jwarc.WarcRecord;
import org.netpreserve.jwarc.WarcResource;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcTargetRecord;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.TreeMap;

/**
 * WARC and WET files (plain or gzipped, read with jwarc). A {@code response} or {@code resource} record with an
 * HTML payload becomes a document holding the decoded HTML, marked {@code content_type: text/html} for the
 * {@code extract} step ({@link HtmlExtractStep}), which runs on the worker threads; a {@code conversion} record
 * (WET) or a text payload becomes a document as is. Other record types ({@code warcinfo}, {@code request},
 * {@code metadata}) hold no document and are only counted. Rejects: {@code not_html} (a response of another
 * media type), {@code bad_http}, {@code bad_warc} (the rest of a damaged file).
 *
 * <p>The HTML is decoded with the charset of the HTTP header, else of a {@code charset=} in its first 2 KB
 * (a meta tag), else UTF-8; undecodable bytes become U+FFFD.
 */
public final class WarcDocumentReader implements DocumentReader {
    @Override
    public String name() {
        return "read_warc";
    }

    @Override
    public void read(Path file, String source, DocumentSink sink, StepStats stats) throws IOException {
        String label = file.getFileName().toString();
        Buffers buffers = new Buffers();
        try (WarcReader reader = new WarcReader(file)) {
            while (true) {
                long offset = reader.position();
                Optional<WarcRecord> next;
                try {
                    next = reader.next();
                } catch (IOException | RuntimeException e) {
                    String where = label + "@" + offset;
                    stats.in(0);
                    stats.dropped("bad_warc");
                    sink.reject(new Reject(where, source, name(), "bad_warc",
                            where + ": unreadable WARC record (" + e.getMessage() + "); the rest of the file is skipped",
                            ""));
                    return;
                }
                if (next.isEmpty()) {
                    if (offset == 0) {
                        stats.count("empty_files", 1);
                    }
                    return;
                }
                readRecord(next.get(), label + "@" + offset, source, sink, stats, buffers);
            }
        }
    }

    /**
     * What the reader needs of a media type: {@code type/subtype} as written, and the first {@code charset}
     * parameter (name matched ignoring case) or null.
     *
     * @param base    type and subtype, e.g. {@code text/html}
     * @param charset the charset parameter's value, or null
     */
    record ContentType(String base, String charset) {
        ContentType {
            java.util.Objects.requireNonNull(base, "base");
        }

        static ContentType of(MediaType type) {
            return new ContentType(type.base().toString(), type.parameters().get("charset"));
        }

        /**
         * The media type of a header value in the plain form {@code token/token} followed by any number of
         * {@code ;name=token} (spaces and tabs after the semicolons; jwarc counts those before one as part of the
         * subtype or value, so that form is left to it), read without jwarc's media type parser (a
         * large state machine the JIT compiles several times in a cold run); null for any other form (quoted
         * values, stray characters, no header), which the caller hands to that parser. On the plain form both
         * give the same base and parameters.
         */
        static ContentType of(String value) {
            if (value == null) {
                return null;
            }
            int n = value.length();
            int slash = tokenEnd(value, 0);
            if (slash == 0 || slash >= n || value.charAt(slash) != '/') {
                return null;
            }
            int end = tokenEnd(value, slash + 1);
            if (end == slash + 1) {
                return null;
            }
            String base = value.substring(0, end);
            String charset = null;
            int i = end;
            while (i < n) {
                if (value.charAt(i) != ';') {
                    return null;
                }
                i = skipBlanks(value, i + 1);
                int nameEnd = tokenEnd(value, i);
                if (nameEnd == i || nameEnd >= n || value.charAt(nameEnd) != '=') {
                    return null;
                }
                int valueEnd = tokenEnd(value, nameEnd + 1);
                if (valueEnd == nameEnd + 1) {
                    return null;
                }
                if (charset == null && nameEnd - i == 7 && value.regionMatches(true, i, "charset", 0, 7)) {
                    charset = value.substring(nameEnd + 1, valueEnd);
                }
                i = valueEnd;
            }
            return new ContentType(base, charset);
        }

        private static int tokenEnd(String s, int i) {
            while (i < s.length() && isTokenChar(s.charAt(i))) {
                i++;
            }
            return i;
        }

        private static int skipBlanks(String s, int i) {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
            return i;
        }

        /** HTTP's tchar: ASCII letters, digits and {@code !#$%&'*+-.^_`|~}. */
        private static boolean isTokenChar(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }
    }

    /** Scratch space of one {@link #read} call, reused from record to record: the payload's bytes and chars. */
    private static final class Buffers {
        byte[] bytes = new byte[1 << 16];
        char[] chars = new char[0];

        /** Reads the stream to its end into {@link #bytes} (grown as needed; presized to {@code size} if known). */
        int readAll(InputStream in, long size) throws IOException {
            if (size >= bytes.length && size < Integer.MAX_VALUE - 16) {
                bytes = new byte[(int) size + 1];
            }
            int n = 0;
            while (true) {
                if (n == bytes.length) {
                    if (n >= Integer.MAX_VALUE - 16) {
                        throw new IOException("payload larger than 2 GB");
                    }
                    bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 16, 2L * n));
                }
                int r = in.read(bytes, n, bytes.length - n);
                if (r < 0) {
                    return n;
                }
                n += r;
            }
        }

        /**
         * {@code bytes[0, n)} decoded with {@code cs}; the UTF-8 length of the text goes to {@code utf8[0]} when the
         * bytes were valid UTF-8 (then it is {@code n}), else -1 (unknown).
         */
        String decode(int n, Charset cs, long[] utf8) {
            if (cs.equals(StandardCharsets.UTF_8)) {
                if (chars.length < n) {
                    chars = new char[Math.max(n, chars.length + (chars.length >> 1))];
                }
                int len = Utf8Decoder.decode(bytes, n, chars);
                if (len >= 0) {
                    utf8[0] = n;
                    return new String(chars, 0, len);
                }
            }
            String text = new String(bytes, 0, n, cs);
            utf8[0] = validUtf8Length(n, cs, text);
            return text;
        }
    }

    private void readRecord(WarcRecord record, String where, String source, DocumentSink sink, StepStats stats,
                            Buffers buffers) {
        if (!(record instanceof WarcResponse || record instanceof WarcResource || record instanceof WarcConversion)) {
            stats.count("skipped_" + record.type(), 1);
            return;
        }
        WarcTargetRecord target = (WarcTargetRecord) record;
        String id = record.id().toString();
        TreeMap<String, String> meta = new TreeMap<>();
        meta.put("url", target.target());
        String text;
        long utf8;
        try {
            ContentType type;
            InputStream body;
            long size;
            if (record instanceof WarcResponse response) {
                HttpResponse http = response.http();
                type = ContentType.of(http.headers().first("Content-Type").orElse(null));
                if (type == null) {
                    type = ContentType.of(http.contentType());
                }
                body = http.body().stream();
                size = http.body().size();
            } else {
                type = ContentType.of(target.contentType());
                body = target.body().stream();
                size = target.body().size();
            }
            stats.in(size);
            String base = type.base();
            long[] length = new long[1];
            if (record instanceof WarcConversion || base.equals("text/plain")) {
                int n = buffers.readAll(body, size);
                Charset cs = charset(type.charset());
                text = buffers.decode(n, cs, length);
                utf8 = length[0];
            } else if (base.equals("text/html") || base.equals("application/xhtml+xml")) {
                int n = buffers.readAll(body, size);
                String declared = type.charset();
                Charset cs = charset(declared != null ? declared : sniffCharset(buffers.bytes, n));
                text = buffers.decode(n, cs, length);
                utf8 = length[0];
                meta.put(HtmlExtractStep.CONTENT_TYPE, HtmlExtractStep.HTML);
            } else {
                stats.dropped("not_html");
                sink.reject(new Reject(id, source, name(), "not_html",
                        where + ": payload is " + base + ", not HTML or text", ""));
                return;
            }
        } catch (IOException | RuntimeException e) {
            stats.dropped("bad_http");
            sink.reject(new Reject(id, source, name(), "bad_http",
                    where + ": cannot parse the HTTP payload (" + e.getMessage() + ")", ""));
            return;
        }
        if (text.isBlank()) {
            stats.dropped("empty_text");
            sink.reject(new Reject(id, source, name(), "empty_text", where + ": empty payload", ""));
            return;
        }
        Document doc = new Document(id, text, source, meta, utf8);
        stats.kept(doc.utf8Length());
        sink.accept(doc);
    }

    /**
     * The UTF-8 length of {@code text} if it was decoded from {@code bytes} as valid UTF-8 (no replacement character
     * came out, so every byte was part of a well-formed sequence): then it is the byte count; else -1 (unknown).
     */
    static long validUtf8Length(int bytes, Charset cs, String text) {
        return cs.equals(StandardCharsets.UTF_8) && text.indexOf('\uFFFD') < 0 ? bytes : -1;
    }

    /** The value of the first {@code charset=} in the first 2 KB of {@code html[0, n)} (an HTML meta tag), or null. */
    static String sniffCharset(byte[] html, int n) {
        String head = new String(html, 0, Math.min(n, 2048), StandardCharsets.ISO_8859_1);
        int at = head.toLowerCase(java.util.Locale.ROOT).indexOf("charset=");
        if (at < 0) {
            return null;
        }
        int start = at + 8;
        while (start < head.length() && (head.charAt(start) == '"' || head.charAt(start) == '\'')) {
            start++;
        }
        int end = start;
        while (end < head.length() && (Character.isLetterOrDigit(head.charAt(end)) || head.charAt(end) == '-'
                || head.charAt(end) == '_')) {
            end++;
        }
        return end > start ? head.substring(start, end) : null;
    }

    private static Charset charset(String name) {
        try {
            return name == null ? StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
