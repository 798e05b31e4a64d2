package ai.stratum.model.kernels;

import ai.stratum.model.TestArrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.stream.Stream;

import static ai.stratum.model.TestArrays.assertClose;
import static ai.stratum.model.TestArrays.dot;
import static ai.stratum.model.TestArrays.numericGradient;
import static ai.stratum.model.TestArrays.random;
import static ai.stratum.model.TestArrays.randomInts;
import static ai.stratum.model.TestArrays.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kernel implementation against {@link NaiveKernels}; the naive backwards against finite differences. */
class KernelsTest {

    private static final Kernels NAIVE = new NaiveKernels();
    private static final int B = 2;
    private static final int T = 5;
    private static final int C = 12;
    private static final int NH = 3;
    private static final int V = 37;

    static Stream<Arguments> implementations() {
        return Stream.of(DataType.FLOAT, DataType.DOUBLE).flatMap(type -> Stream.of(
                Arguments.of(new Nd4jKernels(), type), Arguments.of(new CpuKernels(), type),
                Arguments.of(new CpuKernels(1), type), Arguments.of(new CpuKernels(2, 4), type)));
    }

    private static double tolerance(DataType type) {
        return type == DataType.DOUBLE ? 1e-10 : 2e-4;
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void matmulMatchesNaive(Kernels k, DataType type) {
        int m = 7;
        int n = 9;
        int inner = 5;
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                INDArray a = transA ? random(type, 50, 1, inner, m) : random(type, 50, 1, m, inner);
                INDArray b = transB ? random(type, 51, 1, n, inner) : random(type, 51, 1, inner, n);
                for (double beta : new double[] {0.0, 1.0}) {
                    INDArray expected = random(type, 52, 1, m, n);
                    INDArray actual = random(type, 52, 1, m, n);
                    NAIVE.matmul(expected, a, b, transA, transB, 0.5, beta);
                    k.matmul(actual, a, b, transA, transB, 0.5, beta);
                    assertClose(expected, actual, tolerance(type), "matmul transA " + transA + " transB " + transB
                            + " beta " + beta);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void biasAndResidualAddsMatchNaive(Kernels k, DataType type) {
        INDArray bias = random(type, 53, 1, C);
        INDArray e = random(type, 54, 1, B * T, C);
        INDArray a = e.dup();
        NAIVE.addBias(e, bias);
        k.addBias(a, bias);
        assertClose(e, a, tolerance(type), "bias add");
        INDArray other = random(type, 55, 1, B * T, C);
        INDArray sumExpected = zeros(type, B * T, C);
        INDArray sumActual = zeros(type, B * T, C);
        NAIVE.add(sumExpected, e, other);
        k.add(sumActual, e, other);
        assertClose(sumExpected, sumActual, tolerance(type), "residual add");
        k.add(other, e, other); // in place
        assertClose(sumExpected, other, tolerance(type), "residual add in place");
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void embeddingMatchesNaive(Kernels k, DataType type) {
        int[] tokens = randomInts(1, B * T, 4); // few distinct ids, so repeated tokens must accumulate
        int[] positions = {0, 1, 2, 3, 4, 0, 1, 0, 1, 2};
        INDArray wte = random(type, 2, 1, V, C);
        INDArray wpe = random(type, 3, 1, T + 2, C);
        INDArray expected = zeros(type, B * T, C);
        INDArray actual = zeros(type, B * T, C);
        NAIVE.embeddingForward(expected, tokens, positions, wte, wpe);
        k.embeddingForward(actual, tokens, positions, wte, wpe);
        assertClose(expected, actual, tolerance(type), "embedding forward");

        INDArray dout = random(type, 4, 1, B * T, C);
        INDArray dwteExpected = random(type, 5, 1, V, C);
        INDArray dwpeExpected = random(type, 6, 1, T + 2, C);
        INDArray dwteActual = dwteExpected.dup();
        INDArray dwpeActual = dwpeExpected.dup();
        NAIVE.embeddingBackward(dwteExpected, dwpeExpected, dout, tokens, positions);
        k.embeddingBackward(dwteActual, dwpeActual, dout, tokens, positions);
        assertClose(dwteExpected, dwteActual, tolerance(type), "embedding backward dwte");
        assertClose(dwpeExpected, dwpeActual, tolerance(type), "embedding backward dwpe");

        // without learned positions (RoPE models): the token rows alone, positions ignored
        INDArray tokensOnly = zeros(type, B * T, C);
        k.embeddingForward(tokensOnly, tokens, null, wte, null);
        INDArray expectedRows = zeros(type, B * T, C);
        NAIVE.embeddingForward(expectedRows, tokens, new int[B * T], wte, zeros(type, 1, C));
        assertClose(expectedRows, tokensOnly, tolerance(type), "embedding forward without positions");
        INDArray dwteAlone = random(type, 5, 1, V, C);
        k.embeddingBackward(dwteAlone, null, dout, tokens, null);
        assertClose(dwteExpected, dwteAlone, tolerance(type), "embedding backward without positions");
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void layerNormMatchesNaive(Kernels k, DataType type) {
        INDArray inp = random(type, 7, 3, B * T, C);
        INDArray w = random(type, 8, 1, C);
        INDArray b = random(type, 9, 1, C);
        INDArray[] e = {zeros(type, B * T, C), zeros(type, B * T), zeros(type, B * T)};
        INDArray[] a = {zeros(type, B * T, C), zeros(type, B * T), zeros(type, B * T)};
        NAIVE.layerNormForward(e[0], e[1], e[2], inp, w, b, 1e-5);
        k.layerNormForward(a[0], a[1], a[2], inp, w, b, 1e-5);
        for (int i = 0; i < 3; i++) {
            assertClose(e[i], a[i], tolerance(type), "layer norm forward output " + i);
        }
        INDArray dout = random(type, 10, 1, B * T, C);
        INDArray[] de = {random(type, 11, 1, B * T, C), random(type, 12, 1, C), random(type, 13, 1, C)};
        INDArray[] da = {de[0].dup(), de[1].dup(), de[2].dup()};
        NAIVE.layerNormBackward(de[0], de[1], de[2], dout, inp, w, e[1], e[2]);
        k.layerNormBackward(da[0], da[1], da[2], dout, inp, w, e[1], e[2]);
        for (int i = 0; i < 3; i++) {
            assertClose(de[i], da[i], tolerance(type) * 10, "layer norm backward output " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void geluMatchesNaive(Kernels k, DataType type) {
        INDArray inp = random(type, 14, 4, B * T, C);
        INDArray e = zeros(type, B * T, C);
        INDArray a = zeros(type, B * T, C);
        NAIVE.geluForward(e, inp);
        k.geluForward(a, inp);
        assertClose(e, a, tolerance(type), "gelu forward");
        INDArray dout = random(type, 15, 1, B * T, C);
        NAIVE.geluBackward(e, dout, inp);
        k.geluBackward(a, dout, inp);
        assertClose(e, a, tolerance(type), "gelu backward");
    }

    /**
     * Shapes (B, T, C, NH): the small one, and one whose T is not a multiple of the CPU kernel's key padding
     * (16) or of its four-row unrolling, with an odd head size.
     */
    private static final int[][] ATTENTION_SHAPES = {{B, T, C, NH}, {2, 37, 10, 2}};

    @ParameterizedTest
    @MethodSource("implementations")
    void attentionMatchesNaive(Kernels k, DataType type) {
        for (int[] shape : ATTENTION_SHAPES) {
            int b = shape[0];
            int t = shape[1];
            int c = shape[2];
            int nh = shape[3];
            // segments of lengths 1, 2, 3, ... across each row, so some start mid-row
            int[] segments = new int[b * t];
            for (int i = 1, id = 0, left = 1; i < b * t; i++) {
                if (--left == 0) {
                    id++;
                    left = id + 1;
                }
                segments[i] = id;
            }
            for (int[] segmentIds : new int[][] {null, segments}) {
                for (double dropout : new double[] {0.0, 0.3}) {
                    String what = "attention " + java.util.Arrays.toString(shape) + (segmentIds == null ? "" : " segments")
                            + " dropout " + dropout;
                    INDArray qkv = random(type, 16, 2, b * t, 3 * c);
                    INDArray[] e = {zeros(type, b * t, c), zeros(type, b, nh, t, t)};
                    INDArray[] a = {zeros(type, b * t, c), zeros(type, b, nh, t, t)};
                    int hs = c / nh;
                    double scale = 1 / Math.sqrt(hs);
                    NAIVE.attentionForward(e[0], e[1], qkv, nh, nh, hs, scale, 0, segmentIds, dropout, 77, 4);
                    k.attentionForward(a[0], a[1], qkv, nh, nh, hs, scale, 0, segmentIds, dropout, 77, 4);
                    assertClose(e[1], a[1], tolerance(type), what + " probabilities");
                    assertClose(e[0], a[0], tolerance(type), what + " output");
                    INDArray dout = random(type, 17, 1, b * t, c);
                    INDArray de = zeros(type, b * t, 3 * c);
                    INDArray da = random(type, 18, 1, b * t, 3 * c); // overwritten, not accumulated into
                    NAIVE.attentionBackward(de, dout, qkv, e[1], nh, nh, hs, scale, 0, dropout, 77, 4);
                    k.attentionBackward(da, dout, qkv, e[1], nh, nh, hs, scale, 0, dropout, 77, 4);
                    assertClose(de, da, tolerance(type) * 10, what + " backward");
                }
            }
        }
    }

    /** A random (rows, cols) array as a column slice of a wider buffer (row stride cols + 5, offset 2 columns). */
    private static INDArray sliced(DataType type, long seed, double scale, int rows, int cols) {
        INDArray wide = random(type, seed, scale, rows, cols + 5);
        return columns(wide, 2, cols);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void rmsNormMatchesNaive(Kernels k, DataType type) {
        int n = 7;
        int c = 13;
        INDArray inp = sliced(type, 80, 3, n, c);
        INDArray w = random(type, 81, 1, c);
        INDArray[] e = {zeros(type, n, c), zeros(type, n)};
        INDArray[] a = {columns(zeros(type, n, c + 3), 1, c), zeros(type, n)};
        NAIVE.rmsNormForward(e[0], e[1], inp, w, 1e-6);
        k.rmsNormForward(a[0], a[1], inp, w, 1e-6);
        assertClose(e[0], a[0], tolerance(type), "rms norm forward output");
        assertClose(e[1], a[1], tolerance(type), "rms norm forward rstd");
        INDArray dout = sliced(type, 82, 1, n, c);
        INDArray[] de = {sliced(type, 83, 1, n, c), random(type, 84, 1, c)};
        INDArray[] da = {sliced(type, 83, 1, n, c), random(type, 84, 1, c)};
        NAIVE.rmsNormBackward(de[0], de[1], dout, inp, w, e[1]);
        k.rmsNormBackward(da[0], da[1], dout, inp, w, e[1]);
        assertClose(de[0], da[0], tolerance(type) * 10, "rms norm backward dinp");
        assertClose(de[1], da[1], tolerance(type) * 10, "rms norm backward dweight");
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void ropeMatchesNaive(Kernels k, DataType type) {
        int n = 9;
        int[] positions = {0, 3, 1, 7, 2, 2, 10, 5, 4};
        for (int[] heads : new int[][] {{3, 6}, {2, 4}, {1, 2}}) {
            int nh = heads[0];
            int hd = heads[1];
            INDArray[] tables = ropeTables(type, 11, hd, 500.0);
            // the k part of a qkv buffer: a column slice with columns on both sides
            INDArray expectedRows = random(type, 85, 2, n, 3 * nh * hd);
            INDArray actualRows = expectedRows.dup();
            INDArray e = columns(expectedRows, nh * hd, nh * hd);
            INDArray a = columns(actualRows, nh * hd, nh * hd);
            String what = "rope heads " + nh + " head_dim " + hd;
            NAIVE.ropeForward(e, nh, hd, positions, tables[0], tables[1]);
            k.ropeForward(a, nh, hd, positions, tables[0], tables[1]);
            assertClose(expectedRows, actualRows, tolerance(type), what + " forward");
            NAIVE.ropeBackward(e, nh, hd, positions, tables[0], tables[1]);
            k.ropeBackward(a, nh, hd, positions, tables[0], tables[1]);
            assertClose(expectedRows, actualRows, tolerance(type), what + " backward");
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void badRopeAndAttentionArgumentsAreRefusedByName(Kernels k, DataType type) {
        INDArray[] tables = ropeTables(type, 4, 6, 10000.0);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> k.ropeForward(zeros(type, 2, 12), 2, 6, new int[] {0, 4}, tables[0], tables[1]));
        assertTrue(e.getMessage().startsWith("positions: row 1 has position 4"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> k.ropeForward(zeros(type, 2, 10), 2, 5, new int[] {0, 1}, tables[0], tables[1]));
        assertTrue(e.getMessage().startsWith("head_dim: RoPE rotates pairs"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> k.attentionForward(zeros(type, 4, 6), zeros(type, 1, 3, 4, 4), zeros(type, 4, 14), 3, 2, 2,
                        0.5, 0, null, 0.0, 0, 0));
        assertTrue(e.getMessage().startsWith("n_kv_head: must divide n_head=3"), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void swigluMatchesNaive(Kernels k, DataType type) {
        int n = 6;
        int inter = 11;
        INDArray gateUp = sliced(type, 86, 4, n, 2 * inter);
        INDArray e = zeros(type, n, inter);
        INDArray a = columns(zeros(type, n, inter + 2), 1, inter);
        NAIVE.swigluForward(e, gateUp);
        k.swigluForward(a, gateUp);
        assertClose(e, a, tolerance(type), "swiglu forward");
        INDArray dout = sliced(type, 87, 1, n, inter);
        INDArray de = zeros(type, n, 2 * inter);
        INDArray da = sliced(type, 88, 1, n, 2 * inter); // overwritten
        NAIVE.swigluBackward(de, dout, gateUp);
        k.swigluBackward(da, dout, gateUp);
        assertClose(de, da, tolerance(type), "swiglu backward");
    }

    /**
     * (B, T, nHead, nKvHead, headDim): groups of 2, of nHead (MQA) and of 1, a T that is not a multiple of the CPU
     * kernel's blocks, odd head sizes.
     */
    private static final int[][] GQA_SHAPES = {{2, 5, 4, 2, 3}, {2, 37, 4, 1, 5}, {1, 9, 3, 3, 4}};

    @ParameterizedTest
    @MethodSource("implementations")
    void groupedQueryAttentionMatchesNaive(Kernels k, DataType type) {
        for (int[] shape : GQA_SHAPES) {
            int b = shape[0];
            int t = shape[1];
            int nh = shape[2];
            int kv = shape[3];
            int hd = shape[4];
            int width = (nh + 2 * kv) * hd;
            int[] segments = new int[b * t];
            for (int i = 0; i < b * t; i++) {
                segments[i] = i / 4;
            }
            INDArray qkv = sliced(type, 89, 2, b * t, width);
            // (window, segments, dropout): each option on in two of the four runs
            for (int[] c : new int[][] {{0, 0, 0}, {0, 1, 30}, {3, 0, 30}, {3, 1, 0}}) {
                int window = c[0];
                int[] segmentIds = c[1] == 1 ? segments : null;
                double dropout = c[2] / 100.0;
                String what = "attention " + java.util.Arrays.toString(shape) + " window " + window
                        + (segmentIds == null ? "" : " segments") + " dropout " + dropout;
                INDArray[] e = {zeros(type, b * t, nh * hd), zeros(type, b, nh, t, t)};
                INDArray[] a = {sliced(type, 90, 1, b * t, nh * hd), zeros(type, b, nh, t, t)};
                NAIVE.attentionForward(e[0], e[1], qkv, nh, kv, hd, 0.41, window, segmentIds, dropout, 7, 3);
                k.attentionForward(a[0], a[1], qkv, nh, kv, hd, 0.41, window, segmentIds, dropout, 7, 3);
                assertClose(e[1], a[1], tolerance(type), what + " probabilities");
                assertClose(e[0], a[0], tolerance(type), what + " output");
                INDArray dout = sliced(type, 91, 1, b * t, nh * hd);
                INDArray de = zeros(type, b * t, width);
                INDArray da = sliced(type, 92, 1, b * t, width); // overwritten, not accumulated into
                NAIVE.attentionBackward(de, dout, qkv, e[1], nh, kv, hd, 0.41, window, dropout, 7, 3);
                k.attentionBackward(da, dout, qkv, e[1], nh, kv, hd, 0.41, window, dropout, 7, 3);
                assertClose(de, da, tolerance(type) * 10, what + " backward");
            }
        }
    }

    /**
     * Caches filled by kvCacheWrite hold each row's key and value heads at (slot, position); decoding position p of
     * each sequence against them gives the forward's output row p, with the two sequences at different lengths in
     * slots other than their row order, with and without a window; a whole sequence's rows in one call (a
     * prompt's prefill) give its forward rows too.
     */
    @ParameterizedTest
    @MethodSource("implementations")
    void attentionDecodeMatchesTheForwardRows(Kernels k, DataType type) {
        int b = 2;
        int t = 7;
        int nh = 4;
        int kv = 2;
        int hd = 3;
        int maxLen = 9;
        int[] slotOf = {2, 0};
        INDArray qkv = random(type, 93, 2, b * t, (nh + 2 * kv) * hd);
        INDArray kCache = zeros(type, 3, maxLen, kv * hd);
        INDArray vCache = zeros(type, 3, maxLen, kv * hd);
        int[] rowSlots = new int[b * t];
        int[] rowPositions = new int[b * t];
        for (int s = 0; s < b; s++) {
            for (int p = 0; p < t; p++) {
                rowSlots[s * t + p] = slotOf[s];
                rowPositions[s * t + p] = p;
            }
        }
        k.kvCacheWrite(kCache, vCache, qkv, nh, kv, hd, rowSlots, rowPositions);
        for (int s = 0; s < b; s++) {
            for (int p = 0; p < t; p++) {
                for (int i = 0; i < kv * hd; i++) {
                    assertEquals(qkv.getDouble(s * t + p, nh * hd + i), kCache.getDouble(slotOf[s], p, i), 0.0,
                            "key of sequence " + s + " position " + p);
                    assertEquals(qkv.getDouble(s * t + p, (nh + kv) * hd + i), vCache.getDouble(slotOf[s], p, i),
                            0.0, "value of sequence " + s + " position " + p);
                }
            }
        }
        assertEquals(0.0, kCache.getDouble(1, 0, 0), 0.0, "slot 1 is untouched");
        for (int window : new int[] {0, 3}) {
            INDArray out = zeros(type, b * t, nh * hd);
            NAIVE.attentionForward(out, zeros(type, b, nh, t, t), qkv, nh, kv, hd, 0.6, window, null, 0.0, 0, 0);
            for (int p = 1; p < t; p++) {
                int[] len = {p + 1, p};
                INDArray q = zeros(type, b, nh * hd);
                INDArray expected = zeros(type, b, nh * hd);
                for (int s = 0; s < b; s++) {
                    q.getRow(s).assign(qkv.get(org.nd4j.linalg.indexing.NDArrayIndex.point(s * t + len[s] - 1),
                            org.nd4j.linalg.indexing.NDArrayIndex.interval(0, nh * hd)));
                    expected.getRow(s).assign(out.getRow(s * t + len[s] - 1));
                }
                INDArray actual = sliced(type, 94, 1, b, nh * hd); // overwritten
                k.attentionDecode(actual, q, kCache, vCache, slotOf, len, nh, kv, hd, 0.6, window);
                assertClose(expected, actual, tolerance(type), "decode at " + p + " window " + window);
            }
            INDArray q = zeros(type, t, nh * hd);
            INDArray expected = zeros(type, t, nh * hd);
            int[] slots = new int[t];
            int[] len = new int[t];
            for (int p = 0; p < t; p++) {
                q.getRow(p).assign(qkv.get(org.nd4j.linalg.indexing.NDArrayIndex.point(t + p),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, nh * hd)));
                expected.getRow(p).assign(out.getRow(t + p));
                slots[p] = slotOf[1];
                len[p] = p + 1;
            }
            INDArray actual = sliced(type, 95, 1, t, nh * hd);
            k.attentionDecode(actual, q, kCache, vCache, slots, len, nh, kv, hd, 0.6, window);
            assertClose(expected, actual, tolerance(type), "a sequence's rows in one call, window " + window);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> k.kvCacheWrite(kCache,
                vCache, qkv, nh, kv, hd, new int[b * t], new int[b * t - 1]));
        assertTrue(e.getMessage().startsWith("positions:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> k.attentionDecode(zeros(type, 1, nh * hd),
                zeros(type, 1, nh * hd), kCache, vCache, new int[] {3}, new int[] {1}, nh, kv, hd, 0.6, 0));
        assertTrue(e.getMessage().contains("cache slot 3"), e.getMessage());
    }

    /** Grouped-query attention is multi-head attention with each key/value head repeated over its query heads. */
    @Test
    void naiveGroupedQueryAttentionIsMultiHeadWithRepeatedKeysAndValues() {
        DataType d = DataType.DOUBLE;
        int b = 2;
        int t = 5;
        int nh = 6;
        int kv = 2;
        int hd = 3;
        int group = nh / kv;
        INDArray gqa = random(d, 95, 1, b * t, (nh + 2 * kv) * hd);
        INDArray mha = zeros(d, b * t, 3 * nh * hd);
        for (int r = 0; r < b * t; r++) {
            for (int h = 0; h < nh; h++) {
                for (int i = 0; i < hd; i++) {
                    mha.putScalar(r, h * hd + i, gqa.getDouble(r, h * hd + i));
                    mha.putScalar(r, (nh + h) * hd + i, gqa.getDouble(r, (nh + h / group) * hd + i));
                    mha.putScalar(r, (2 * nh + h) * hd + i, gqa.getDouble(r, (nh + kv + h / group) * hd + i));
                }
            }
        }
        INDArray[] g = {zeros(d, b * t, nh * hd), zeros(d, b, nh, t, t)};
        INDArray[] m = {zeros(d, b * t, nh * hd), zeros(d, b, nh, t, t)};
        NAIVE.attentionForward(g[0], g[1], gqa, nh, kv, hd, 0.5, 2, null, 0.0, 0, 0);
        NAIVE.attentionForward(m[0], m[1], mha, nh, nh, hd, 0.5, 2, null, 0.0, 0, 0);
        assertClose(m[0], g[0], 1e-12, "output");
        assertClose(m[1], g[1], 1e-12, "probabilities");
        INDArray dout = random(d, 96, 1, b * t, nh * hd);
        INDArray dg = zeros(d, b * t, (nh + 2 * kv) * hd);
        INDArray dm = zeros(d, b * t, 3 * nh * hd);
        NAIVE.attentionBackward(dg, dout, gqa, g[1], nh, kv, hd, 0.5, 2, 0.0, 0, 0);
        NAIVE.attentionBackward(dm, dout, mha, m[1], nh, nh, hd, 0.5, 2, 0.0, 0, 0);
        for (int r = 0; r < b * t; r++) {
            for (int i = 0; i < kv * hd; i++) {
                double dk = 0;
                double dv = 0;
                for (int member = 0; member < group; member++) {
                    int h = (i / hd) * group + member;
                    dk += dm.getDouble(r, (nh + h) * hd + i % hd);
                    dv += dm.getDouble(r, (2 * nh + h) * hd + i % hd);
                }
                assertEquals(dk, dg.getDouble(r, nh * hd + i), 1e-12, "dk is the sum over the group");
                assertEquals(dv, dg.getDouble(r, (nh + kv) * hd + i), 1e-12, "dv is the sum over the group");
            }
        }
        assertClose(dm.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, nh * hd)), dg.get(
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, nh * hd)),
                1e-12, "dq");
    }

    /** Tensors as 1-D views at offsets of one flat buffer: lengths 1, odd, and over two of the CPU's chunks. */
    private static INDArray[] flatTensors(DataType type, long seed, double scale) {
        int[] lengths = {1, 37, 70_001, 5};
        int total = java.util.Arrays.stream(lengths).sum();
        INDArray flat = random(type, seed, scale, total + 3);
        INDArray[] xs = new INDArray[lengths.length];
        for (int i = 0, at = 3; i < lengths.length; at += lengths[i], i++) {
            xs[i] = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(at, at + lengths[i]));
        }
        return xs;
    }

    private static INDArray[] dup(INDArray[] xs) {
        return java.util.Arrays.stream(xs).map(INDArray::dup).toArray(INDArray[]::new);
    }

    private static void assertAllClose(INDArray[] expected, INDArray[] actual, double tolerance, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertClose(expected[i], actual[i], tolerance, what + " of tensor " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void optimizerKernelsMatchNaive(Kernels k, DataType type) {
        INDArray[] g = flatTensors(type, 97, 0.5);
        double expected = NAIVE.sumOfSquares(g);
        assertEquals(expected, k.sumOfSquares(g), expected * (type == DataType.DOUBLE ? 1e-12 : 1e-5),
                "sum of squares");
        INDArray[] ge = dup(g);
        NAIVE.scale(ge, 0.37);
        k.scale(g, 0.37);
        assertAllClose(ge, g, tolerance(type), "scaled gradients");
        INDArray[] p = flatTensors(type, 98, 1);
        INDArray[] m = flatTensors(type, 99, 0.1);
        INDArray[] v = flatTensors(type, 100, 0.1);
        for (INDArray x : v) {
            x.muli(x); // second moments are non-negative
        }
        INDArray[] pe = dup(p);
        INDArray[] me = dup(m);
        INDArray[] ve = dup(v);
        boolean[] decays = {false, true, true, false};
        for (int step = 1; step <= 2; step++) {
            double bc2 = 1 - Math.pow(0.95, step);
            NAIVE.adamw(pe, g, me, ve, decays, 1 - 1e-3 * 0.1, 1e-3 / (1 - Math.pow(0.9, step)), 0.9, 0.95, bc2,
                    1e-8);
            k.adamw(p, g, m, v, decays, 1 - 1e-3 * 0.1, 1e-3 / (1 - Math.pow(0.9, step)), 0.9, 0.95, bc2, 1e-8);
        }
        assertAllClose(pe, p, tolerance(type), "adamw params");
        assertAllClose(me, m, tolerance(type), "adamw first moments");
        assertAllClose(ve, v, tolerance(type), "adamw second moments");
    }

    @Test
    void naiveAdamwFollowsTheFormula() {
        INDArray[] p = {org.nd4j.linalg.factory.Nd4j.createFromArray(1.0, -2.0)};
        INDArray[] g = {org.nd4j.linalg.factory.Nd4j.createFromArray(0.5, 0.25)};
        INDArray[] m = {org.nd4j.linalg.factory.Nd4j.createFromArray(0.1, 0.0)};
        INDArray[] v = {org.nd4j.linalg.factory.Nd4j.createFromArray(0.04, 0.0)};
        NAIVE.adamw(p, g, m, v, new boolean[] {true}, 0.5, 0.1, 0.9, 0.99, 0.5, 1e-8);
        double m0 = 0.9 * 0.1 + 0.1 * 0.5;
        double v0 = 0.99 * 0.04 + 0.01 * 0.25;
        assertEquals(m0, m[0].getDouble(0), 1e-15, "m");
        assertEquals(v0, v[0].getDouble(0), 1e-15, "v");
        assertEquals(1.0 * 0.5 - 0.1 * m0 / (Math.sqrt(v0 / 0.5) + 1e-8), p[0].getDouble(0), 1e-15, "p");
        assertEquals(0.5 * 0.25, NAIVE.sumOfSquares(new INDArray[] {g[0].get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2)), g[0].get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2))}), 1e-15, "sum of squares over two views");
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void biasGradientMatchesNaive(Kernels k, DataType type) {
        INDArray dout = random(type, 33, 2, B * T, C);
        INDArray e = random(type, 34, 1, C);
        INDArray a = e.dup();
        NAIVE.biasGradient(e, dout);
        k.biasGradient(a, dout);
        assertClose(e, a, tolerance(type), "bias gradient");
    }

    /**
     * CpuKernels reuses its row buffers and partial sums from call to call (arrays only grow), Nd4jKernels its
     * attention scratch and masks: every kernel, run twice in a row on one instance after kernels of other shapes,
     * must still match the naive one.
     */
    @Test
    void kernelsGiveTheSameResultsWhenTheirScratchIsReused() {
        for (Kernels k : new Kernels[] {new CpuKernels(), new CpuKernels(1), new CpuKernels(2, 4), new Nd4jKernels()}) {
            for (int round = 0; round < 2; round++) {
                crossEntropyMatchesNaive(k, DataType.FLOAT);
                attentionMatchesNaive(k, DataType.FLOAT);
                geluMatchesNaive(k, DataType.FLOAT);
                layerNormMatchesNaive(k, DataType.FLOAT);
                layerNormMatchesNaive(k, DataType.FLOAT);
                biasGradientMatchesNaive(k, DataType.FLOAT);
                biasGradientMatchesNaive(k, DataType.FLOAT);
                biasAndResidualAddsMatchNaive(k, DataType.FLOAT);
                embeddingMatchesNaive(k, DataType.FLOAT);
                matmulMatchesNaive(k, DataType.FLOAT);
                dropoutMatchesNaive(k, DataType.FLOAT);
                groupedQueryAttentionMatchesNaive(k, DataType.FLOAT);
                rmsNormMatchesNaive(k, DataType.FLOAT);
                swigluMatchesNaive(k, DataType.FLOAT);
                ropeMatchesNaive(k, DataType.FLOAT);
                attentionDecodeMatchesTheForwardRows(k, DataType.FLOAT);
                attentionMatchesNaive(k, DataType.FLOAT);
                optimizerKernelsMatchNaive(k, DataType.FLOAT);
            }
        }
    }

    @Test
    void naiveBiasAndResidualAddsAreElementWise() {
        INDArray out = org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][] {{1, 2, 3}, {10, 20, 30}});
        NAIVE.addBias(out, org.nd4j.linalg.factory.Nd4j.createFromArray(0.5, -1.0, 2.0));
        assertEquals(org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][] {{1.5, 1, 5}, {10.5, 19, 32}}), out);
        INDArray sum = out.ulike();
        NAIVE.add(sum, out, out);
        assertEquals(org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][] {{3, 2, 10}, {21, 38, 64}}), sum);
    }

    @Test
    void naiveBiasGradientAddsColumnSums() {
        INDArray dout = org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][] {{1, 2, 3}, {10, 20, 30}});
        INDArray db = org.nd4j.linalg.factory.Nd4j.createFromArray(0.5, 0.5, 0.5);
        NAIVE.biasGradient(db, dout);
        assertEquals(org.nd4j.linalg.factory.Nd4j.createFromArray(11.5, 22.5, 33.5), db);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void crossEntropyMatchesNaive(Kernels k, DataType type) {
        INDArray logits = random(type, 18, 4, B * T, V);
        int[] targets = randomInts(19, B * T, V);
        targets[3] = -1;
        targets[7] = -100;
        INDArray e = zeros(type, B * T, V);
        INDArray a = random(type, 20, 1, B * T, V); // overwritten, masked rows included
        double le = NAIVE.crossEntropy(e, logits, targets);
        double la = k.crossEntropy(a, logits, targets);
        assertEquals(le, la, Math.abs(le) * tolerance(type), "cross-entropy loss");
        assertClose(e, a, tolerance(type), "cross-entropy gradient");
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void dropoutMatchesNaive(Kernels k, DataType type) {
        INDArray e = random(type, 20, 1, B * T, C);
        INDArray a = e.dup();
        NAIVE.dropout(e, 0.3, 99, 5);
        k.dropout(a, 0.3, 99, 5);
        assertClose(e, a, tolerance(type), "dropout");
    }

    @Test
    void dropoutDropsAboutPAndScalesTheRest() {
        INDArray x = zeros(DataType.DOUBLE, 100, 100).assign(1.0);
        NAIVE.dropout(x, 0.25, 42, 3);
        double zeros = x.eq(0.0).castTo(DataType.DOUBLE).sumNumber().doubleValue();
        assertEquals(2500, zeros, 200, "dropped elements");
        assertEquals(10000 - zeros, x.sumNumber().doubleValue() * 0.75, 1e-9, "kept elements scaled by 1/(1-p)");
        INDArray other = zeros(DataType.DOUBLE, 100, 100).assign(1.0);
        NAIVE.dropout(other, 0.25, 42, 4);
        assertTrue(x.neq(other).castTo(DataType.DOUBLE).sumNumber().doubleValue() > 1000, "streams differ");
    }

    @Test
    void theCpuBackendGetsTheFusedKernels() {
        assertTrue(Kernels.forCurrentBackend() instanceof CpuKernels);
    }

    @Test
    void cpuCrossEntropyStaysFiniteWhenTheTargetProbabilityUnderflows() {
        INDArray logits = zeros(DataType.FLOAT, 2, 5);
        logits.putScalar(new long[] {0, 1}, 150f); // target 0 of row 0 sits 150 below the max: p = e^-150 < float min
        int[] targets = {0, 3};
        double expected = NAIVE.crossEntropy(zeros(DataType.DOUBLE, 2, 5), logits.castTo(DataType.DOUBLE), targets);
        double actual = new CpuKernels().crossEntropy(zeros(DataType.FLOAT, 2, 5), logits, targets);
        assertEquals(expected, actual, 1e-4);
        assertEquals(150 + Math.log(5), actual, 1e-4);
    }

    @Test
    void cpuArrayExpIsAccurateToFloatRounding() {
        int n = 127_741;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -87f + 175f * i / (n - 1);
        }
        float[] e = x.clone();
        CpuKernels.expInPlace(e, new float[n], n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double exact = Math.exp(x[i]);
            worst = Math.max(worst, Math.abs(e[i] - exact) / exact);
        }
        assertTrue(worst < 3e-7, "max relative error of CpuKernels.expInPlace: " + worst);
    }

    /**
     * Float GELU over [-12, 12] (past where the tails saturate), in several chunks with a partial last one, against
     * the double reference: relative error 1e-5 (|u| up to 40 makes float's own rounding of e^(-2u) 5e-6) plus
     * an absolute floor: 1e-14 forward, the reference's own error where 1 + tanh(u) cancels (it returns 0 below
     * x = -9); 1e-7 backward (|dout| <= 1), float rounding of the two O(1) terms of the slope where they cancel
     * (the slope crosses 0 near x = -0.75).
     */
    @Test
    void cpuGeluIsAccurateOverTheWholeRange() {
        int n = 6_501;
        double[] grid = new double[n];
        for (int i = 0; i < n; i++) {
            grid[i] = (float) (-12.0 + 24.0 * i / (n - 1));
        }
        INDArray xd = org.nd4j.linalg.factory.Nd4j.createFromArray(grid).reshape(1, n);
        INDArray xf = xd.castTo(DataType.FLOAT);
        INDArray dout = random(DataType.DOUBLE, 40, 1, 1, n);
        INDArray expected = zeros(DataType.DOUBLE, 1, n);
        INDArray expectedGrad = zeros(DataType.DOUBLE, 1, n);
        NAIVE.geluForward(expected, xd);
        NAIVE.geluBackward(expectedGrad, dout, xd);
        for (CpuKernels k : new CpuKernels[] {new CpuKernels(1), new CpuKernels(2)}) {
            INDArray out = zeros(DataType.FLOAT, 1, n);
            INDArray grad = zeros(DataType.FLOAT, 1, n);
            k.geluForward(out, xf);
            k.geluBackward(grad, dout.castTo(DataType.FLOAT), xf);
            assertRelativelyClose(expected, out, 1e-14, "gelu forward");
            assertRelativelyClose(expectedGrad, grad, 1e-7, "gelu backward");
        }
    }

    private static void assertRelativelyClose(INDArray expected, INDArray actual, double floor, String what) {
        double[] e = expected.dup('c').data().asDouble();
        double[] a = actual.dup('c').data().asDouble();
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs(e[i] - a[i]);
            assertTrue(err <= 1e-5 * Math.abs(e[i]) + floor, what + " at element " + i + ": expected " + e[i]
                    + ", got " + a[i]);
        }
    }

    @Test
    void cpuKernelsRejectStridedFloatViews() {
        INDArray strided = zeros(DataType.FLOAT, 4, 6).transpose();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new CpuKernels().geluForward(zeros(DataType.FLOAT, 6, 4), strided));
        assertTrue(e.getMessage().startsWith("array: CpuKernels needs row-major contiguous arrays"), e.getMessage());
    }

    // ---- the reference itself against finite differences (double precision) ----

    private static final double FD_EPS = 1e-5;
    private static final double FD_TOLERANCE = 1e-6;

    private static void assertGradient(INDArray numeric, INDArray analytic, String what) {
        double err = TestArrays.maxRelativeError(numeric, analytic, 1e-4);
        assertTrue(err < FD_TOLERANCE, what + ": max relative error vs finite differences " + err);
    }

    @Test
    void naiveLayerNormBackwardMatchesFiniteDifferences() {
        DataType d = DataType.DOUBLE;
        INDArray inp = random(d, 21, 2, 4, C);
        INDArray w = random(d, 22, 1, C);
        INDArray b = random(d, 23, 1, C);
        INDArray r = random(d, 24, 1, 4, C);
        INDArray out = zeros(d, 4, C);
        INDArray mean = zeros(d, 4);
        INDArray rstd = zeros(d, 4);
        java.util.function.DoubleSupplier loss = () -> {
            NAIVE.layerNormForward(out, mean, rstd, inp, w, b, 1e-3);
            return dot(out, r);
        };
        loss.getAsDouble();
        INDArray dinp = zeros(d, 4, C);
        INDArray dw = zeros(d, C);
        INDArray db = zeros(d, C);
        NAIVE.layerNormBackward(dinp, dw, db, r, inp, w, mean, rstd);
        assertGradient(numericGradient(inp, loss, FD_EPS), dinp, "layer norm dinp");
        assertGradient(numericGradient(w, loss, FD_EPS), dw, "layer norm dweight");
        assertGradient(numericGradient(b, loss, FD_EPS), db, "layer norm dbias");
    }

    @Test
    void naiveGeluBackwardMatchesFiniteDifferences() {
        DataType d = DataType.DOUBLE;
        INDArray inp = random(d, 25, 4, 3, C);
        INDArray r = random(d, 26, 1, 3, C);
        INDArray out = zeros(d, 3, C);
        java.util.function.DoubleSupplier loss = () -> {
            NAIVE.geluForward(out, inp);
            return dot(out, r);
        };
        INDArray dinp = zeros(d, 3, C);
        NAIVE.geluBackward(dinp, r, inp);
        assertGradient(numericGradient(inp, loss, FD_EPS), dinp, "gelu");
    }

    @Test
    void naiveAttentionBackwardMatchesFiniteDifferences() {
        DataType d = DataType.DOUBLE;
        int[] segments = {0, 0, 1, 1, 1, 3, 3, 3, 4, 4};
        INDArray qkv = random(d, 27, 1.5, B * T, 3 * C);
        INDArray r = random(d, 28, 1, B * T, C);
        INDArray out = zeros(d, B * T, C);
        INDArray att = zeros(d, B, NH, T, T);
        for (double dropout : new double[] {0.0, 0.4}) {
            java.util.function.DoubleSupplier loss = () -> {
                NAIVE.attentionForward(out, att, qkv, NH, NH, C / NH, 1 / Math.sqrt(C / NH), 0, segments, dropout,
                        5, 9);
                return dot(out, r);
            };
            loss.getAsDouble();
            INDArray dqkv = zeros(d, B * T, 3 * C);
            NAIVE.attentionBackward(dqkv, r, qkv, att, NH, NH, C / NH, 1 / Math.sqrt(C / NH), 0, dropout, 5, 9);
            assertGradient(numericGradient(qkv, loss, FD_EPS), dqkv, "attention, dropout " + dropout);
        }
        // masked probabilities are exactly zero and rows sum to one
        assertEquals(0.0, att.getDouble(0, 0, 1, 2), 0.0, "future key");
        assertEquals(0.0, att.getDouble(0, 0, 2, 1), 0.0, "other segment");
        assertEquals(1.0, att.getDouble(1, 1, 4, 3) + att.getDouble(1, 1, 4, 4), 1e-12, "segment row sums to one");
    }

    @Test
    void naiveAttentionDropsProbabilitiesWithTheDropoutMask() {
        DataType d = DataType.DOUBLE;
        INDArray qkv = random(d, 41, 1, B * T, 3 * C);
        INDArray att = zeros(d, B, NH, T, T);
        INDArray out = zeros(d, B * T, C);
        NAIVE.attentionForward(out, att, qkv, NH, NH, C / NH, 1 / Math.sqrt(C / NH), 0, null, 0.5, 3, 2);
        INDArray dropped = att.dup();
        NAIVE.dropout(dropped, 0.5, 3, 2);
        // out = dropout(att) @ v per head, with v read from the qkv rows
        double[] p = dropped.dup('c').data().asDouble();
        double[] x = qkv.dup('c').data().asDouble();
        double[] o = out.dup('c').data().asDouble();
        int hs = C / NH;
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < NH; h++) {
                for (int i = 0; i < T; i++) {
                    for (int e = 0; e < hs; e++) {
                        double expected = 0;
                        for (int j = 0; j < T; j++) {
                            expected += p[((b * NH + h) * T + i) * T + j] * x[(b * T + j) * 3 * C + 2 * C + h * hs + e];
                        }
                        assertEquals(expected, o[(b * T + i) * C + h * hs + e], 1e-12, "out of head " + h);
                    }
                }
            }
        }
        assertTrue(dropped.eq(0.0).castTo(DataType.DOUBLE).sumNumber().doubleValue()
                > att.eq(0.0).castTo(DataType.DOUBLE).sumNumber().doubleValue() + 10, "dropout zeroed probabilities");
    }

    @Test
    void naiveCrossEntropyGradientMatchesFiniteDifferences() {
        DataType d = DataType.DOUBLE;
        INDArray logits = random(d, 29, 3, 4, 9);
        int[] targets = {3, -1, 0, 8};
        INDArray dlogits = zeros(d, 4, 9);
        double l = NAIVE.crossEntropy(dlogits, logits, targets);
        double[] z = logits.dup('c').data().asDouble();
        double expected = 0;
        for (int row : new int[] {0, 2, 3}) {
            double sum = 0;
            for (int i = 0; i < 9; i++) {
                sum += Math.exp(z[row * 9 + i]);
            }
            expected += Math.log(sum) - z[row * 9 + targets[row]];
        }
        assertEquals(expected, l, 1e-12, "loss is the sum over unmasked rows");
        INDArray scratch = zeros(d, 4, 9);
        java.util.function.DoubleSupplier loss = () -> NAIVE.crossEntropy(scratch, logits, targets);
        assertGradient(numericGradient(logits, loss, FD_EPS), dlogits, "cross-entropy");
    }

    @Test
    void naiveEmbeddingBackwardMatchesFiniteDifferences() {
        DataType d = DataType.DOUBLE;
        int[] tokens = {1, 1, 0, 4, 1, 2};
        int[] positions = {0, 1, 2, 0, 1, 1};
        INDArray wte = random(d, 30, 1, 6, 4);
        INDArray wpe = random(d, 31, 1, 3, 4);
        INDArray r = random(d, 32, 1, 6, 4);
        INDArray out = zeros(d, 6, 4);
        java.util.function.DoubleSupplier loss = () -> {
            NAIVE.embeddingForward(out, tokens, positions, wte, wpe);
            return dot(out, r);
        };
        INDArray dwte = zeros(d, 6, 4);
        INDArray dwpe = zeros(d, 3, 4);
        NAIVE.embeddingBackward(dwte, dwpe, r, tokens, positions);
        assertGradient(numericGradient(wte, loss, FD_EPS), dwte, "embedding dwte");
        assertGradient(numericGradient(wpe, loss, FD_EPS), dwpe, "embedding dwpe");
    }

    /** Columns [from, from + width) of {@code wide} (rows, cols): a view whose row stride exceeds its width. */
    static INDArray columns(INDArray wide, int from, int width) {
        return wide.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + width));
    }

    /** cos and sin tables (maxPos, half) of RoPE with the given theta, as a model computes them. */
    static INDArray[] ropeTables(DataType type, int maxPos, int headDim, double theta) {
        int half = headDim / 2;
        double[][] c = new double[maxPos][half];
        double[][] s = new double[maxPos][half];
        for (int p = 0; p < maxPos; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p / Math.pow(theta, 2.0 * i / headDim);
                c[p][i] = Math.cos(angle);
                s[p][i] = Math.sin(angle);
            }
        }
        return new INDArray[] {org.nd4j.linalg.factory.Nd4j.createFromArray(c).castTo(type),
                org.nd4j.linalg.factory.Nd4j.createFromArray(s).castTo(type)};
    }

    @Test
    void naiveRmsNormBackwardMatchesFiniteDifferences() {
        DataType d = DataType.DOUBLE;
        INDArray inp = random(d, 60, 2, 4, 7);
        INDArray w = random(d, 61, 1, 7);
        INDArray r = random(d, 62, 1, 4, 7);
        INDArray out = zeros(d, 4, 7);
        INDArray rstd = zeros(d, 4);
        java.util.function.DoubleSupplier loss = () -> {
            NAIVE.rmsNormForward(out, rstd, inp, w, 1e-3);
            return dot(out, r);
        };
        loss.getAsDouble();
        INDArray dinp = zeros(d, 4, 7);
        INDArray dw = zeros(d, 7);
        NAIVE.rmsNormBackward(dinp, dw, r, inp, w, rstd);
        assertGradient(numericGradient(inp, loss, FD_EPS), dinp, "rms norm dinp");
        assertGradient(numericGradient(w, loss, FD_EPS), dw, "rms norm dweight");
        double[] x = inp.dup('c').data().asDouble();
        double squares = 0;
        for (int i = 0; i < 7; i++) {
            squares += x[i] * x[i];
        }
        assertEquals(1 / Math.sqrt(squares / 7 + 1e-3), rstd.getDouble(0), 1e-12, "rstd of row 0");
    }

    @Test
    void naiveRopeRotatesHalvesAndItsBackwardMatchesFiniteDifferences() {
        DataType d = DataType.DOUBLE;
        int nh = 3;
        int hd = 6;
        int[] positions = {0, 1, 2, 5, 3};
        INDArray[] tables = ropeTables(d, 8, hd, 10000.0);
        INDArray wide = random(d, 63, 1, 5, 2 * nh * hd + 3);
        INDArray x = columns(wide, 4, nh * hd);
        INDArray r = random(d, 64, 1, 5, nh * hd);
        java.util.function.DoubleSupplier loss = () -> {
            INDArray y = x.dup();
            NAIVE.ropeForward(y, nh, hd, positions, tables[0], tables[1]);
            return dot(y, r);
        };
        INDArray dx = r.dup();
        NAIVE.ropeBackward(dx, nh, hd, positions, tables[0], tables[1]);
        assertGradient(numericGradient(x, loss, FD_EPS), dx, "rope");
        // head 1 of row 3 (position 5), pair i = 1: (x1, x2) = (x[1], x[4]) rotated by 5 / 10000^(2/6)
        INDArray before = wide.dup();
        NAIVE.ropeForward(x, nh, hd, positions, tables[0], tables[1]);
        double angle = 5 / Math.pow(10000.0, 2.0 / 6);
        double x1 = before.getDouble(3, 4 + hd + 1);
        double x2 = before.getDouble(3, 4 + hd + 4);
        assertEquals(x1 * Math.cos(angle) - x2 * Math.sin(angle), wide.getDouble(3, 4 + hd + 1), 1e-12, "x1");
        assertEquals(x2 * Math.cos(angle) + x1 * Math.sin(angle), wide.getDouble(3, 4 + hd + 4), 1e-12, "x2");
        assertEquals(before.getDouble(0, 4), wide.getDouble(0, 4), 0.0, "position 0 is not rotated");
        assertEquals(before.getDouble(2, 3), wide.getDouble(2, 3), 0.0, "columns left of the view untouched");
        assertEquals(before.getDouble(2, 4 + nh * hd), wide.getDouble(2, 4 + nh * hd), 0.0,
                "columns right of the view untouched");
        NAIVE.ropeBackward(x, nh, hd, positions, tables[0], tables[1]);
        assertClose(before, wide, 1e-12, "the backward undoes the forward");
    }

    @Test
    void naiveSwigluBackwardMatchesFiniteDifferences() {
        DataType d = DataType.DOUBLE;
        INDArray gateUp = random(d, 65, 3, 4, 2 * 5);
        INDArray r = random(d, 66, 1, 4, 5);
        INDArray out = zeros(d, 4, 5);
        java.util.function.DoubleSupplier loss = () -> {
            NAIVE.swigluForward(out, gateUp);
            return dot(out, r);
        };
        INDArray dgu = random(d, 67, 1, 4, 2 * 5); // overwritten
        NAIVE.swigluBackward(dgu, r, gateUp);
        assertGradient(numericGradient(gateUp, loss, FD_EPS), dgu, "swiglu");
        loss.getAsDouble();
        double g = gateUp.getDouble(2, 3);
        assertEquals(g / (1 + Math.exp(-g)) * gateUp.getDouble(2, 8), out.getDouble(2, 3), 1e-12, "silu(g) * u");
    }

    @Test
    void naiveGroupedQueryAttentionBackwardMatchesFiniteDifferences() {
        DataType d = DataType.DOUBLE;
        int b = 2;
        int t = 6;
        int hd = 3;
        int[] segments = {0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2};
        // (nHead, nKvHead, window, dropout in percent)
        for (int[] c : new int[][] {{4, 2, 0, 0}, {4, 2, 3, 40}, {4, 1, 3, 0}, {2, 2, 0, 40}}) {
            int nh = c[0];
            int kv = c[1];
            int window = c[2];
            double dropout = c[3] / 100.0;
            int width = (nh + 2 * kv) * hd;
            INDArray qkv = random(d, 68, 1.5, b * t, width);
            INDArray r = random(d, 69, 1, b * t, nh * hd);
            INDArray out = zeros(d, b * t, nh * hd);
            INDArray att = zeros(d, b, nh, t, t);
            java.util.function.DoubleSupplier loss = () -> {
                NAIVE.attentionForward(out, att, qkv, nh, kv, hd, 0.37, window, segments, dropout, 5, 9);
                return dot(out, r);
            };
            loss.getAsDouble();
            INDArray dqkv = random(d, 70, 1, b * t, width); // overwritten
            NAIVE.attentionBackward(dqkv, r, qkv, att, nh, kv, hd, 0.37, window, dropout, 5, 9);
            assertGradient(numericGradient(qkv, loss, FD_EPS), dqkv, "attention heads " + nh + "/" + kv
                    + " window " + window + " dropout " + dropout);
            if (window == 3) {
                assertEquals(0.0, att.getDouble(0, nh - 1, 3, 0), 0.0, "key 3 back, outside the window");
                assertTrue(att.getDouble(0, nh - 1, 3, 1) > 0, "key 2 back, inside the window");
            }
        }
    }
}
