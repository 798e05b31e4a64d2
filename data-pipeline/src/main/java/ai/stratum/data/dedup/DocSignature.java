package ai.stratum.data.dedup;

/**
 * What the dedup stages know of one surviving document: its position, its id and its keys.
 *
 * @param key     input order: the input split's index in the high 32 bits, the document's ordinal among that
 *                split's surviving documents in the low 32
 * @param id      the document id (for the "duplicate of" detail of rejects)
 * @param exactHi the exact hash's high 64 bits ({@link ExactHash}), 0 when exact dedup is off
 * @param exactLo its low 64 bits
 * @param bands   the MinHash band keys ({@link MinHash#bandKeys}), or null (too short, or MinHash off)
 */
public record DocSignature(long key, String id, long exactHi, long exactLo, long[] bands)
        implements java.io.Serializable {
    public DocSignature {
        java.util.Objects.requireNonNull(id, "id");
    }

    public static int splitOf(long key) {
        return (int) (key >>> 32);
    }

    public static int ordinalOf(long key) {
        return (int) key;
    }

    public static long key(int split, int ordinal) {
        return ((long) split << 32) | (ordinal & 0xFFFFFFFFL);
    }
}
