package ai.stratum.data.read;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream on {@code '\n'} without decoding, so that a line with invalid UTF-8 can be reported
 * alone instead of poisoning the decoder for the rest of the file. A trailing {@code '\r'} is dropped.
 */
final class ByteLines {
    private final InputStream in;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;
    private byte[] line = new byte[1 << 12];
    private int length;
    private long lineNumber;
    private boolean eof;

    ByteLines(InputStream in) {
        this.in = in;
    }

    /** Reads the next line into {@link #bytes()}/{@link #length()}; false at the end of the stream. */
    boolean next() throws IOException {
        if (eof) {
            return false;
        }
        length = 0;
        while (true) {
            if (pos == limit) {
                limit = in.read(buf, 0, buf.length);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    eof = true;
                    if (length == 0) {
                        return false;
                    }
                    break;
                }
            }
            int start = pos;
            while (pos < limit && buf[pos] != '\n') {
                pos++;
            }
            append(start, pos - start);
            if (pos < limit) {
                pos++;
                break;
            }
        }
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        lineNumber++;
        return true;
    }

    private void append(int from, int n) {
        if (length + n > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, length + n));
        }
        System.arraycopy(buf, from, line, length, n);
        length += n;
    }

    byte[] bytes() {
        return line;
    }

    int length() {
        return length;
    }

    /** 1-based number of the line last returned by {@link #next()}. */
    long lineNumber() {
        return lineNumber;
    }
}
