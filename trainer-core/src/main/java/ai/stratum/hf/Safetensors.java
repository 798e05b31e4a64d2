package ai.stratum.hf;

import ai.stratum.io.AtomicFiles;
import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;
import ai.stratum.model.Views;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format, read and written here with Jackson and NIO: 8 bytes of little-endian header length
 * N, N bytes of JSON ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {string: string}}}, padded with spaces to a multiple of 8), then the raw little-endian
 * tensor data, offsets relative to the end of the header. Reading validates every size and offset, so a
 * truncated or corrupt file fails with a message naming the file and the tensor.
 */
public final class Safetensors {

    /**
     * Element types: F32, F64 and BF16 are written (BF16 rounded to nearest even, for exports of half the size);
     * all four are read, F16 and BF16 widened to the target's type.
     */
    public enum Dtype {
        F32(4, DataType.FLOAT, "float32"), F64(8, DataType.DOUBLE, "float64"), F16(2, DataType.HALF, "float16"),
        BF16(2, DataType.BFLOAT16, "bfloat16");

        final int bytes;
        final DataType nd4j;
        final String torch;

        Dtype(int bytes, DataType nd4j, String torch) {
            this.bytes = bytes;
            this.nd4j = nd4j;
            this.torch = torch;
        }

        /** The name {@code config.json}'s {@code torch_dtype} gives this type. */
        public String torchName() {
            return torch;
        }

        /** The type a buffer of {@code type} is stored as by default: float32 or float64. */
        static Dtype of(DataType type) {
            for (Dtype d : new Dtype[] {F32, F64}) {
                if (d.nd4j == type) {
                    return d;
                }
            }
            throw new IllegalArgumentException("dtype: " + type + " cannot be written; supported: float, double");
        }
    }

    /** A tensor of a file's header; offsets are relative to the start of the data section. */
    public record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
        public long elements() {
            return (end - begin) / dtype.bytes;
        }
    }

    /** A parsed and validated header. */
    public record Header(Path file, Map<String, Entry> tensors, Map<String, String> metadata, long dataStart) {
        public Entry get(String name) throws IOException {
            Entry e = tensors.get(name);
            if (e == null) {
                throw new IOException(file + ": has no tensor named '" + name + "'");
            }
            return e;
        }
    }

    /**
     * A tensor to write: {@code length(shape)} elements of {@code flat} starting at {@code offset}; when
     * {@code transposed}, those elements are the tensor's transpose ({@code [shape[1], shape[0]]} row-major), as
     * an internal {@code [out, in]} weight stored in GPT-2's Conv1D {@code [in, out]}.
     */
    public record Source(String name, long[] shape, INDArray flat, long offset, boolean transposed) {
        public Source {
            if (transposed && shape.length != 2) {
                throw new IllegalArgumentException("tensor " + name + ": only a 2-D tensor can be transposed");
            }
        }

        public Source(String name, long[] shape, INDArray flat, long offset) {
            this(name, shape, flat, offset, false);
        }

        long bytes(Dtype dtype) {
            return length(shape) * dtype.bytes;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final int CHUNK = 1 << 20;

    private Safetensors() {
    }

    /** One source per tensor of {@code layout}, viewing {@code flat} (parameters, moments...). */
    public static List<Source> sources(ParameterLayout layout, INDArray flat, String nameSuffix) {
        List<Source> out = new ArrayList<>();
        for (TensorSpec t : layout.tensors()) {
            out.add(new Source(t.name() + nameSuffix, t.shape(), flat, t.offset()));
        }
        return out;
    }

    /** Writes a safetensors file atomically; tensors are stored in the given order, in each flat's dtype. */
    public static void write(Path file, List<Source> tensors, Map<String, String> metadata) throws IOException {
        write(file, tensors, metadata, null);
    }

    /**
     * Writes a safetensors file atomically, every tensor stored as {@code storeAs} (F32, F64 or BF16), or in its
     * flat's dtype when {@code storeAs} is null.
     */
    public static void write(Path file, List<Source> tensors, Map<String, String> metadata, Dtype storeAs)
            throws IOException {
        if (storeAs == Dtype.F16) {
            throw new IllegalArgumentException("dtype: F16 is read only; write F32, F64 or BF16");
        }
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Source s : tensors) {
            Dtype dtype = storeAs != null ? storeAs : Dtype.of(s.flat.dataType());
            long bytes = length(s.shape) * dtype.bytes;
            ObjectNode entry = header.putObject(s.name);
            entry.put("dtype", dtype.name());
            Arrays.stream(s.shape).forEach(entry.putArray("shape")::add);
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFiles.write(file, ch -> {
            AtomicFiles.writeFully(ch, head);
            for (Source s : tensors) {
                writeData(ch, s, storeAs != null ? storeAs : Dtype.of(s.flat.dataType()));
            }
        });
    }

    private static void writeData(FileChannel ch, Source s, Dtype dtype) throws IOException {
        long n = length(s.shape);
        INDArray flat;
        long offset;
        if (s.transposed) {
            // the region holds [shape[1], shape[0]]; its transpose is materialized one tensor at a time
            flat = Views.of(s.flat.reshape(s.flat.length()), s.offset, s.shape[1], s.shape[0]).transpose()
                    .dup('c').reshape(n);
            offset = 0;
        } else {
            flat = s.flat.reshape(s.flat.length());
            offset = s.offset;
        }
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, n) * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (long start = 0; start < n; start += CHUNK) {
            long count = Math.min(CHUNK, n - start);
            INDArray chunk = flat.get(NDArrayIndex.interval(offset + start, offset + start + count));
            buf.clear();
            switch (dtype) {
                case F32 -> buf.asFloatBuffer().put(chunk.toFloatVector());
                case F64 -> buf.asDoubleBuffer().put(chunk.toDoubleVector());
                case BF16 -> {
                    float[] values = chunk.toFloatVector();
                    for (int i = 0; i < values.length; i++) {
                        buf.putShort(2 * i, floatToBfloat16(values[i]));
                    }
                }
                case F16 -> throw new IllegalStateException("F16 is read only");
            }
            buf.limit((int) (count * dtype.bytes));
            AtomicFiles.writeFully(ch, buf);
        }
    }

    /** float to bfloat16, rounding to nearest even (as {@code torch.Tensor.to(torch.bfloat16)}); NaN stays NaN. */
    static short floatToBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** Reads and validates a header: known dtypes, sizes matching shapes, offsets contiguous and in the file. */
    public static Header readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new IOException(file + ": " + size + " bytes is too short for a safetensors file (truncated?)");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0, file);
            long headerLength = len.getLong(0);
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
                throw new IOException(file + ": header length " + headerLength + " does not fit the file's " + size
                        + " bytes; the file is truncated or not safetensors");
            }
            ByteBuffer json = ByteBuffer.allocate((int) headerLength);
            readFully(ch, json, 8, file);
            JsonNode root;
            try {
                root = JSON.readTree(new String(json.array(), StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new IOException(file + ": the header is not valid JSON: " + e.getOriginalMessage(), e);
            }
            if (root == null || !root.isObject()) {
                throw new IOException(file + ": the header must be a JSON object");
            }
            return parse(file, root, 8 + headerLength, size - 8 - headerLength);
        }
    }

    private static Header parse(Path file, JsonNode root, long dataStart, long dataBytes) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getKey().equals("__metadata__")) {
                f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            entries.add(entry(file, f.getKey(), f.getValue()));
        }
        entries.sort(Comparator.comparingLong(Entry::begin));
        long expected = 0;
        for (Entry e : entries) {
            if (e.begin != expected) {
                throw new IOException(file + ": tensor '" + e.name + "' starts at byte " + e.begin + " of the data but "
                        + "the previous tensor ends at " + expected + " (overlap or gap: corrupt header)");
            }
            expected = e.end;
        }
        if (expected != dataBytes) {
            throw new IOException(file + ": the header describes " + expected + " bytes of tensor data but the file "
                    + "holds " + dataBytes + (expected > dataBytes ? " (truncated)" : " (trailing bytes)"));
        }
        Map<String, Entry> byName = new LinkedHashMap<>();
        entries.forEach(e -> byName.put(e.name, e));
        return new Header(file, Collections.unmodifiableMap(byName), Collections.unmodifiableMap(metadata), dataStart);
    }

    private static Entry entry(Path file, String name, JsonNode node) throws IOException {
        String where = file + ": tensor '" + name + "'";
        Dtype dtype;
        try {
            dtype = Dtype.valueOf(node.path("dtype").asText());
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": unsupported dtype '" + node.path("dtype").asText() + "'; supported: "
                    + Arrays.toString(Dtype.values()));
        }
        JsonNode shapeNode = node.path("shape");
        JsonNode offsets = node.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw new IOException(where + ": needs a 'shape' array and 'data_offsets' [begin, end]");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!shapeNode.get(i).canConvertToLong() || shapeNode.get(i).asLong() < 0) {
                throw new IOException(where + ": shape " + shapeNode + " must hold non-negative integers");
            }
            shape[i] = shapeNode.get(i).asLong();
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin) {
            throw new IOException(where + ": data_offsets " + offsets + " must be 0 <= begin <= end");
        }
        if (end - begin != length(shape) * dtype.bytes) {
            throw new IOException(where + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + length(shape) * dtype.bytes + " bytes but data_offsets span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /**
     * Reads tensor {@code name} into {@code flat[offset ...]}, converting the element type if needed.
     *
     * @param expectedShape the shape the caller needs; a different stored shape is an error naming both
     */
    public static void readInto(Header header, String name, long[] expectedShape, INDArray flat, long offset)
            throws IOException {
        Entry e = header.get(name);
        if (!Arrays.equals(e.shape, expectedShape)) {
            throw new IOException(header.file + ": tensor '" + name + "' has shape " + Arrays.toString(e.shape)
                    + " but the model needs " + Arrays.toString(expectedShape));
        }
        INDArray target = flat.reshape(flat.length());
        long n = e.elements();
        try (FileChannel ch = FileChannel.open(header.file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, n) * e.dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (long start = 0; start < n; start += CHUNK) {
                int count = (int) Math.min(CHUNK, n - start);
                buf.clear().limit(count * e.dtype.bytes);
                readFully(ch, buf, header.dataStart + e.begin + start * e.dtype.bytes, header.file);
                INDArray chunk;
                chunk = switch (e.dtype) {
                    case F32 -> {
                        float[] values = new float[count];
                        buf.asFloatBuffer().get(values);
                        yield Nd4j.createFromArray(values);
                    }
                    case F64 -> {
                        double[] values = new double[count];
                        buf.asDoubleBuffer().get(values);
                        yield Nd4j.createFromArray(values);
                    }
                    case F16, BF16 -> {
                        float[] values = new float[count];
                        for (int i = 0; i < count; i++) {
                            short bits = buf.getShort(2 * i);
                            values[i] = e.dtype == Dtype.F16 ? halfToFloat(bits) : Float.intBitsToFloat(bits << 16);
                        }
                        yield Nd4j.createFromArray(values);
                    }
                };
                target.get(NDArrayIndex.interval(offset + start, offset + start + count))
                        .assign(chunk.castTo(target.dataType()));
            }
        }
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13)); // inf or NaN
        }
        if (exp == 0) {
            float sub = mant * 0x1.0p-24f; // subnormal (or zero): mant * 2^-24
            return sign == 0 ? sub : -sub;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException(file + ": unexpected end of file at byte " + pos + " (truncated)");
            }
            pos += n;
        }
        buf.flip();
    }

    private static long length(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
