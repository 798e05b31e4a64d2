package ai.stratum.tokenizer.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * A string as chat templates use it: the Python {@code str} methods that Hugging Face templates call
 * ({@code startswith}, {@code endswith}, {@code split}, {@code strip}, {@code lstrip}, {@code rstrip},
 * {@code upper}, {@code lower}, {@code title}, {@code replace}, {@code find}), with Python's semantics;
 * anything else sees the plain string ({@link #toString}).
 */
public final class PyString implements CharSequence, Comparable<PyString> {
    private final String value;

    public PyString(String value) {
        this.value = value;
    }

    public boolean startswith(String prefix) {
        return value.startsWith(prefix);
    }

    public boolean endswith(String suffix) {
        return value.endsWith(suffix);
    }

    /** Python's {@code split(sep)}: empty pieces kept. */
    public List<PyString> split(String sep) {
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        List<PyString> out = new ArrayList<>();
        int from = 0;
        for (int at = value.indexOf(sep); at >= 0; at = value.indexOf(sep, from)) {
            out.add(new PyString(value.substring(from, at)));
            from = at + sep.length();
        }
        out.add(new PyString(value.substring(from)));
        return out;
    }

    /** Python's {@code split()}: runs of whitespace, no empty pieces. */
    public List<PyString> split() {
        List<PyString> out = new ArrayList<>();
        for (String s : value.strip().split("\\s+")) {
            if (!s.isEmpty()) {
                out.add(new PyString(s));
            }
        }
        return out;
    }

    public PyString strip() {
        return new PyString(value.strip());
    }

    public PyString strip(String chars) {
        return lstrip(chars).rstrip(chars);
    }

    public PyString lstrip() {
        return new PyString(value.stripLeading());
    }

    public PyString lstrip(String chars) {
        int i = 0;
        while (i < value.length() && chars.indexOf(value.charAt(i)) >= 0) {
            i++;
        }
        return new PyString(value.substring(i));
    }

    public PyString rstrip() {
        return new PyString(value.stripTrailing());
    }

    public PyString rstrip(String chars) {
        int j = value.length();
        while (j > 0 && chars.indexOf(value.charAt(j - 1)) >= 0) {
            j--;
        }
        return new PyString(value.substring(0, j));
    }

    public PyString upper() {
        return new PyString(value.toUpperCase(java.util.Locale.ROOT));
    }

    public PyString lower() {
        return new PyString(value.toLowerCase(java.util.Locale.ROOT));
    }

    public PyString title() {
        StringBuilder sb = new StringBuilder(value.length());
        boolean previousCased = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            sb.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return new PyString(sb.toString());
    }

    public PyString replace(String from, String to) {
        return new PyString(value.replace(from, to));
    }

    public int find(String s) {
        return value.indexOf(s);
    }

    @Override
    public int length() {
        return value.length();
    }

    @Override
    public char charAt(int index) {
        return value.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return value.subSequence(start, end);
    }

    @Override
    public int compareTo(PyString o) {
        return value.compareTo(o.value);
    }

    @Override
    public boolean equals(Object o) {
        return (o instanceof PyString p && p.value.equals(value)) || (o instanceof String s && s.equals(value));
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
