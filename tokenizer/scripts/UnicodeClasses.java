/**
 * Prints, for every code point, its class as a split regex sees it under this JVM's Unicode tables: L (a \p{L}
 * letter), N (\p{N}), or nothing. Run under Java 17 and under a JDK with Unicode 16 (the tables of Hugging Face's
 * Rust tokenizers), diffed by gen-unicode-update.sh into UnicodeUpdate.java.
 * Usage: java UnicodeClasses.java > classes.txt
 */
public class UnicodeClasses {
    public static void main(String[] args) {
        StringBuilder sb = new StringBuilder();
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            int t = Character.getType(cp);
            char c = switch (t) {
                case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                        Character.MODIFIER_LETTER, Character.OTHER_LETTER -> 'L';
                case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> 'N';
                default -> '-';
            };
            sb.append(c);
        }
        System.out.print(sb);
    }
}
