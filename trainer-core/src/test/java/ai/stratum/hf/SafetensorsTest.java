package ai.stratum.hf;

import ai.stratum.model.ParameterLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {

    @TempDir
    Path dir;

    private static ParameterLayout layout() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("a.weight", new long[]{2, 3});
        shapes.put("a.bias", new long[]{3});
        return ParameterLayout.of(shapes);
    }

    @Test
    void writesTheFormatByteForByte() throws IOException {
        INDArray flat = Nd4j.createFromArray(1f, 2f, 3f, 4f, 5f, 6f, -1.5f, 0f, 1e-8f);
        Path file = dir.resolve("t.safetensors");
        Safetensors.write(file, Safetensors.sources(layout(), flat, ""), Map.of("format", "pt"));
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long n = bytes.getLong(0);
        assertEquals(0, n % 8, "header padded to 8 bytes");
        String json = new String(bytes.array(), 8, (int) n, StandardCharsets.UTF_8).stripTrailing();
        assertEquals("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"a.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}}", json);
        assertEquals(8 + n + 36, bytes.capacity());
        float[] data = new float[9];
        bytes.position((int) (8 + n));
        bytes.asFloatBuffer().get(data);
        assertArrayEquals(flat.toFloatVector(), data);
    }

    @Test
    void roundTripsFloatAndDoubleAtOffsets() throws IOException {
        INDArray flat = Nd4j.createFromArray(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0);
        Path file = dir.resolve("d.safetensors");
        Safetensors.write(file, Safetensors.sources(layout(), flat, ".x"), Map.of());
        Safetensors.Header h = Safetensors.readHeader(file);
        assertEquals(List.of("a.weight.x", "a.bias.x"), List.copyOf(h.tensors().keySet()));
        assertEquals(Safetensors.Dtype.F64, h.get("a.bias.x").dtype());
        INDArray back = Nd4j.zeros(DataType.FLOAT, 12);
        Safetensors.readInto(h, "a.bias.x", new long[]{3}, back, 2);
        assertArrayEquals(new float[]{0, 0, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0}, back.toFloatVector());
        IOException e = assertThrows(IOException.class, () -> Safetensors.readInto(h, "a.bias.x", new long[]{4}, back, 0));
        assertTrue(e.getMessage().contains("has shape [3] but the model needs [4]"), e.getMessage());
    }

    @Test
    void largeTensorsCrossChunkBoundaries() throws IOException {
        int n = (1 << 20) + 5;
        INDArray flat = Nd4j.rand(DataType.FLOAT, n);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("big", new long[]{n});
        ParameterLayout l = ParameterLayout.of(shapes);
        Path file = dir.resolve("big.safetensors");
        Safetensors.write(file, Safetensors.sources(l, flat, ""), Map.of());
        INDArray back = Nd4j.zeros(DataType.FLOAT, n);
        Safetensors.readInto(Safetensors.readHeader(file), "big", new long[]{n}, back, 0);
        assertEquals(flat, back);
    }

    @Test
    void truncatedOrCorruptFilesAreRejectedWithTheReason() throws IOException {
        Path file = dir.resolve("t.safetensors");
        Safetensors.write(file, Safetensors.sources(layout(), Nd4j.zeros(DataType.FLOAT, 9), ""), Map.of());
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size - 4);
        }
        IOException e = assertThrows(IOException.class, () -> Safetensors.readHeader(file));
        assertTrue(e.getMessage().contains("(truncated)") && e.getMessage().contains(file.toString()), e.getMessage());

        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(20);
        }
        assertTrue(assertThrows(IOException.class, () -> Safetensors.readHeader(file)).getMessage()
                .contains("does not fit"));

        writeRaw(file, "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", 12);
        assertTrue(assertThrows(IOException.class, () -> Safetensors.readHeader(file)).getMessage()
                .contains("needs 8 bytes but data_offsets span 12"));
        writeRaw(file, "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        assertTrue(assertThrows(IOException.class, () -> Safetensors.readHeader(file)).getMessage()
                .contains("overlap or gap"));
        writeRaw(file, "{\"x\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
        assertTrue(assertThrows(IOException.class, () -> Safetensors.readHeader(file)).getMessage()
                .contains("unsupported dtype 'I8'"));
        writeRaw(file, "{\"x\": nope", 0);
        assertTrue(assertThrows(IOException.class, () -> Safetensors.readHeader(file)).getMessage()
                .contains("not valid JSON"));
    }

    private static void writeRaw(Path file, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Files.write(file, b.array());
    }
}
