package ai.stratum.data.recipe;

/**
 * Exact and MinHash near-duplicate removal. MinHash defaults are datatrove's: 5-word shingles, 14 bands of 8
 * rows (112 hashes); two documents whose signatures agree on all rows of any band are duplicates, and a cluster
 * of duplicates keeps only its first document in input order.
 */
public record DedupConfig(boolean exact, boolean minhash, int ngrams, int bands, int rowsPerBand, long seed) {
    public DedupConfig {
        if (ngrams < 1) {
            throw new IllegalArgumentException("ngrams: must be >= 1, got " + ngrams);
        }
        if (bands < 1) {
            throw new IllegalArgumentException("bands: must be >= 1, got " + bands);
        }
        if (rowsPerBand < 1) {
            throw new IllegalArgumentException("rows_per_band: must be >= 1, got " + rowsPerBand);
        }
    }

    public static DedupConfig defaults() {
        return new DedupConfig(true, true, 5, 14, 8, 1);
    }
}
