package ai.stratum.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 input for commands that read text: malformed bytes stop the read with the source's name and the
 * byte offset of the first bad byte, unless the caller asked for replacement by U+FFFD ({@code --errors replace}).
 */
public final class Utf8Input {
    private Utf8Input() {
    }

    /** Invalid UTF-8 in an input, naming it and the byte offset. */
    public static final class InvalidUtf8Exception extends UncheckedIOException {
        private final long byteOffset;

        public InvalidUtf8Exception(String source, long byteOffset, String bytes) {
            super(new IOException(source + ": invalid UTF-8 at byte offset " + byteOffset + " (" + bytes
                    + "); fix the file, or pass --errors replace to read such bytes as U+FFFD"));
            this.byteOffset = byteOffset;
        }

        @Override
        public String getMessage() {
            return getCause().getMessage();
        }

        public long byteOffset() {
            return byteOffset;
        }
    }

    /** A reader of UTF-8 from {@code in}: strict (throws {@link InvalidUtf8Exception}) or replacing. */
    public static Reader reader(InputStream in, String source, boolean replace) {
        return new StrictReader(in, source, replace);
    }

    private static final class StrictReader extends Reader {
        private final InputStream in;
        private final String source;
        private final CharsetDecoder decoder;
        private final ByteBuffer bytes = ByteBuffer.allocate(1 << 16);
        private final CharBuffer pending = CharBuffer.allocate(2);
        private long consumedBefore; // bytes of the stream before bytes[0]
        private boolean eof;
        private boolean done;

        StrictReader(InputStream in, String source, boolean replace) {
            this.in = in;
            this.source = source;
            CodingErrorAction action = replace ? CodingErrorAction.REPLACE : CodingErrorAction.REPORT;
            this.decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(action).onUnmappableCharacter(action);
            bytes.flip();
            pending.flip();
        }

        @Override
        public int read(char[] cbuf, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pending.hasRemaining()) {
                cbuf[off] = pending.get();
                return 1;
            }
            if (len < 2) {
                pending.clear();
                int n = fill(pending);
                pending.flip();
                if (n <= 0) {
                    return -1;
                }
                cbuf[off] = pending.get();
                return 1;
            }
            int n = fill(CharBuffer.wrap(cbuf, off, len));
            return n == 0 && done ? -1 : n;
        }

        /** Decodes into out until it has at least one char or the input ends; returns chars written. */
        private int fill(CharBuffer out) throws IOException {
            int start = out.position();
            while (out.position() == start && !done) {
                CoderResult r = decoder.decode(bytes, out, eof);
                if (r.isError()) {
                    long at = consumedBefore + bytes.position();
                    StringBuilder hex = new StringBuilder();
                    for (int k = 0; k < r.length() && bytes.position() + k < bytes.limit(); k++) {
                        hex.append(k > 0 ? " " : "").append(String.format("0x%02X", bytes.get(bytes.position() + k)));
                    }
                    throw new InvalidUtf8Exception(source, at, hex.toString());
                }
                if (r.isOverflow()) {
                    break;
                }
                if (eof) {
                    decoder.flush(out);
                    done = true;
                    break;
                }
                consumedBefore += bytes.position();
                bytes.compact();
                int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
                if (n < 0) {
                    eof = true;
                } else {
                    bytes.position(bytes.position() + n);
                }
                bytes.flip();
            }
            return out.position() - start;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
