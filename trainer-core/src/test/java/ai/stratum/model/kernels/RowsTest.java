package ai.stratum.model.kernels;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Rows} against the arrays' own element reads and writes: views at offsets, slices, other ranks. */
class RowsTest {

    /** 0, 1, 2, ... as a float array of {@code shape}. */
    private static INDArray counting(long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return Nd4j.arange(n).castTo(DataType.FLOAT).reshape(shape);
    }

    @Test
    void contiguousRowsAreTheLastDimensionFromTheViewsFirstElement() {
        // rows 2..4 of a (6, 5) matrix: a view whose first element is element 10 of its buffer
        INDArray view = counting(6, 5).get(NDArrayIndex.interval(2, 5), NDArrayIndex.all());
        Rows rows = Rows.of(view);
        assertEquals(5, rows.stride());
        float[] row = new float[5];
        rows.get(1, row, 5);
        assertArrayEquals(view.getRow(1).toFloatVector(), row);
        assertEquals(view.getFloat(2, 3), rows.get(rows.at(2) + 3));

        // a (2, 3, 4) array has 6 rows of 4: row 4 is [1][1]
        INDArray cube = counting(2, 3, 4);
        Rows cubeRows = Rows.of(cube);
        float[] cols = new float[2];
        cubeRows.get(4, 1, cols, 2);
        assertArrayEquals(new float[] {cube.getFloat(1, 1, 1), cube.getFloat(1, 1, 2)}, cols);
    }

    @Test
    void columnSliceRowsAreSpacedByTheParentsWidthAndWritesLandInTheParent() {
        INDArray parent = counting(4, 7);
        INDArray slice = parent.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 5));   // (4, 3), row stride 7
        Rows rows = Rows.ofColumns(slice);
        assertEquals(7, rows.stride());
        float[] row = new float[3];
        rows.get(3, row, 3);
        assertArrayEquals(slice.getRow(3).toFloatVector(), row);

        rows.put(1, 1, new float[] {-1f, -2f}, 2);
        assertEquals(-1f, parent.getFloat(1, 3));
        assertEquals(-2f, parent.getFloat(1, 4));
        assertEquals(12f, parent.getFloat(1, 5), "the column after the slice is untouched");

        INDArray single = parent.get(NDArrayIndex.interval(2, 3), NDArrayIndex.interval(1, 6));   // (1, 5)
        assertEquals(5, Rows.ofColumns(single).stride());
    }

    @Test
    void flatReadsAndWritesCrossRows() {
        INDArray a = counting(3, 4);
        Rows rows = Rows.of(a);
        float[] run = new float[6];
        rows.getFlat(3, run, 6);
        assertArrayEquals(new float[] {3, 4, 5, 6, 7, 8}, run);
        rows.putFlat(10, new float[] {-5f, -6f}, 2);
        assertEquals(-5f, a.getFloat(2, 2));
        assertEquals(-6f, a.getFloat(2, 3));
    }

    @Test
    void layoutsTheKernelsCannotReadAreRefusedWithTheShapeAndStrides() {
        INDArray transposed = counting(3, 4).transpose();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rows.of(transposed));
        assertTrue(e.getMessage().contains("row-major contiguous") && e.getMessage().contains("[4, 3]"),
                e.getMessage());
        INDArray slice = counting(3, 4).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2));
        assertThrows(IllegalArgumentException.class, () -> Rows.of(slice));
        e = assertThrows(IllegalArgumentException.class, () -> Rows.ofColumns(counting(2, 3, 4)));
        assertTrue(e.getMessage().contains("unit column stride"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Rows.ofColumns(transposed));
        assertTrue(e.getMessage().contains("strides"), e.getMessage());
    }
}
