package ai.stratum.model;

import java.util.Arrays;

/**
 * One named tensor inside a flat buffer: its shape (row-major) and where it starts.
 *
 * @param name   the internal name, e.g. {@code layers.0.attn.qkv.weight}
 * @param shape  the dimensions; a linear layer's weight is {@code [out, in]} as torch.nn.Linear
 * @param offset the index of its first element in the flat buffer
 */
public record TensorSpec(String name, long[] shape, long offset) {

    public TensorSpec {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name: must not be empty");
        }
        if (shape.length == 0 || Arrays.stream(shape).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("shape: every dimension of " + name + " must be >= 1, got "
                    + Arrays.toString(shape));
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset: must be >= 0, got " + offset);
        }
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long length() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** One past the last element. */
    public long end() {
        return offset + length();
    }

    /** Weight decay applies to tensors of two or more dimensions (matrices, embeddings), never to biases or norms. */
    public boolean decays() {
        return shape.length >= 2;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && t.name.equals(name) && Arrays.equals(t.shape, shape) && t.offset == offset;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "@" + offset;
    }
}
