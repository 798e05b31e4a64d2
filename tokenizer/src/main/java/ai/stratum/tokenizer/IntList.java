package ai.stratum.tokenizer;

import java.util.Arrays;

/** A growable int array, to collect token ids without boxing. */
final class IntList {
    private int[] data;
    private int size;

    IntList(int capacity) {
        data = new int[Math.max(capacity, 8)];
    }

    void add(int value) {
        if (size == data.length) {
            data = Arrays.copyOf(data, data.length * 2);
        }
        data[size++] = value;
    }

    void addAll(int[] values, int count) {
        if (size + count > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, size + count));
        }
        System.arraycopy(values, 0, data, size, count);
        size += count;
    }

    int size() {
        return size;
    }

    int get(int i) {
        return data[i];
    }

    void clear() {
        size = 0;
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
