package ai.stratum.cli.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** How token ids are written and read: decimal text, or little-endian uint16 / uint32. */
public enum IdFormat {
    TEXT, U16, U32;

    /**
     * One chunk of a stream of ids; text puts a space between ids (and before this chunk unless it is the first).
     *
     * @throws IllegalArgumentException if the vocabulary does not fit the format
     */
    byte[] chunk(int[] ids, int vocabSize, boolean first) {
        switch (this) {
            case TEXT -> {
                StringBuilder sb = new StringBuilder(ids.length * 6);
                for (int i = 0; i < ids.length; i++) {
                    if (i > 0 || !first) {
                        sb.append(' ');
                    }
                    sb.append(ids[i]);
                }
                return sb.toString().getBytes(StandardCharsets.US_ASCII);
            }
            case U16 -> {
                if (vocabSize > 65536) {
                    throw new IllegalArgumentException("--format u16 holds ids below 65536, but the vocabulary has "
                            + vocabSize + " tokens; use --format u32");
                }
                ByteBuffer buf = ByteBuffer.allocate(ids.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (int id : ids) {
                    buf.putShort((short) id);
                }
                return buf.array();
            }
            default -> {
                ByteBuffer buf = ByteBuffer.allocate(ids.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int id : ids) {
                    buf.putInt(id);
                }
                return buf.array();
            }
        }
    }

    /** What ends the stream: a newline for text. */
    byte[] end() {
        return this == TEXT ? new byte[] {'\n'} : new byte[0];
    }

    /** @throws IllegalArgumentException naming the line and the text that is not an id, or a truncated binary input */
    int[] read(byte[] data, String source) {
        switch (this) {
            case TEXT -> {
                String[] lines = new String(data, StandardCharsets.UTF_8).split("\n", -1);
                int[] ids = new int[16];
                int n = 0;
                for (int line = 0; line < lines.length; line++) {
                    for (String field : lines[line].trim().split("[\\s,]+")) {
                        if (field.isEmpty()) {
                            continue;
                        }
                        int id;
                        try {
                            id = Integer.parseInt(field);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException(source + " line " + (line + 1) + ": '" + field
                                    + "' is not a token id (expected integers separated by spaces)");
                        }
                        if (n == ids.length) {
                            ids = java.util.Arrays.copyOf(ids, n * 2);
                        }
                        ids[n++] = id;
                    }
                }
                return java.util.Arrays.copyOf(ids, n);
            }
            case U16 -> {
                if (data.length % 2 != 0) {
                    throw new IllegalArgumentException(source + ": " + data.length + " bytes is not a whole number of uint16 ids");
                }
                ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                int[] ids = new int[data.length / 2];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = Short.toUnsignedInt(buf.getShort());
                }
                return ids;
            }
            default -> {
                if (data.length % 4 != 0) {
                    throw new IllegalArgumentException(source + ": " + data.length + " bytes is not a whole number of uint32 ids");
                }
                ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                int[] ids = new int[data.length / 4];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = buf.getInt();
                }
                return ids;
            }
        }
    }
}
