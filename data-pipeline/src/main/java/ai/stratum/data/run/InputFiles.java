package ai.stratum.data.run;

import ai.stratum.data.recipe.InputConfig;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Expands an input's paths (files, directories, globs) into a sorted list of files. */
public final class InputFiles {
    private InputFiles() {
    }

    public static List<Path> expand(InputConfig input) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String spec : input.paths()) {
            TreeSet<Path> found = new TreeSet<>();
            if (spec.contains("*") || spec.contains("?") || spec.contains("[") || spec.contains("{")) {
                int firstGlob = firstGlobChar(spec);
                int slash = spec.lastIndexOf('/', firstGlob);
                Path root = slash < 0 ? Path.of("") : Path.of(spec.substring(0, slash + 1));
                PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + spec);
                if (Files.isDirectory(root.toString().isEmpty() ? Path.of(".") : root)) {
                    try (Stream<Path> walk = Files.walk(root.toString().isEmpty() ? Path.of(".") : root)) {
                        walk.filter(Files::isRegularFile)
                                .map(p -> root.toString().isEmpty() ? Path.of(".").relativize(p) : p)
                                .filter(matcher::matches).forEach(found::add);
                    }
                }
                if (found.isEmpty()) {
                    throw new NoSuchFileException(spec, null, "input '" + input.name() + "': the glob matches no file");
                }
            } else {
                Path p = Path.of(spec);
                if (Files.isDirectory(p)) {
                    try (Stream<Path> walk = Files.walk(p)) {
                        walk.filter(Files::isRegularFile).forEach(found::add);
                    }
                } else if (Files.isRegularFile(p)) {
                    found.add(p);
                } else {
                    throw new NoSuchFileException(spec, null, "input '" + input.name() + "': no such file or directory");
                }
            }
            out.addAll(found);
        }
        return out;
    }

    private static int firstGlobChar(String s) {
        for (int i = 0; i < s.length(); i++) {
            if ("*?[{".indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return s.length();
    }
}
