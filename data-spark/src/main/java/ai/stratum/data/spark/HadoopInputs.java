package ai.stratum.data.spark;

import ai.stratum.data.recipe.DataRecipe;
import ai.stratum.data.recipe.InputConfig;
import ai.stratum.data.run.InputFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Input paths of any Hadoop file system ({@code hdfs://}, {@code s3a://}, {@code file:}) beside plain local paths.
 * The driver lists them (a plain path exactly as the local executor does, so splits are numbered the same); a
 * task copies a remote file to its local disk, under the file's own name (readers pick the decompression by it
 * and rejects name it), reads it there and deletes the copy.
 */
final class HadoopInputs {
    private static final Pattern URI = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:.*");

    private HadoopInputs() {
    }

    static boolean isUri(String spec) {
        return URI.matcher(spec).matches() && !spec.matches("[A-Za-z]:\\\\.*");
    }

    /** Every split's {input name, file} in split order. */
    static List<String[]> list(DataRecipe recipe, Configuration conf) throws IOException {
        List<String[]> out = new ArrayList<>();
        for (InputConfig input : recipe.inputs()) {
            for (String spec : input.paths()) {
                if (!isUri(spec)) {
                    for (Path p : InputFiles.expand(new InputConfig(input.name(), input.format(), List.of(spec),
                            input.textField(), input.idField()))) {
                        out.add(new String[] {input.name(), p.toString()});
                    }
                    continue;
                }
                org.apache.hadoop.fs.Path pattern = new org.apache.hadoop.fs.Path(spec);
                FileSystem fs = pattern.getFileSystem(conf);
                FileStatus[] matches = fs.globStatus(pattern);
                TreeSet<String> found = new TreeSet<>();
                for (FileStatus m : matches == null ? new FileStatus[0] : matches) {
                    if (m.isDirectory()) {
                        RemoteIterator<LocatedFileStatus> files = fs.listFiles(m.getPath(), true);
                        while (files.hasNext()) {
                            found.add(files.next().getPath().toString());
                        }
                    } else {
                        found.add(m.getPath().toString());
                    }
                }
                if (found.isEmpty()) {
                    throw new NoSuchFileException(spec, null, "input '" + input.name() + "': no file matches");
                }
                found.forEach(f -> out.add(new String[] {input.name(), f}));
            }
        }
        return out;
    }

    /** A local copy of {@code file} when it is a URI (delete it with {@link #release}); the file itself else. */
    static Path local(String file, byte[] conf) throws IOException {
        if (!isUri(file)) {
            return Path.of(file);
        }
        org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(file);
        Path dir = Files.createTempDirectory("stratum-input");
        Path dst = dir.resolve(src.getName());
        src.getFileSystem(configuration(conf)).copyToLocalFile(false, src,
                new org.apache.hadoop.fs.Path(dst.toUri()), true);
        return dst;
    }

    static void release(String file, Path local) throws IOException {
        if (isUri(file)) {
            Files.deleteIfExists(local);
            Files.deleteIfExists(local.getParent());
        }
    }

    /** A Hadoop configuration as bytes, to ship to tasks (it is Writable, not Serializable). */
    static byte[] bytes(Configuration conf) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(b);
            conf.write(out);
            out.flush();
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Configuration configuration(byte[] bytes) throws IOException {
        Configuration conf = new Configuration(false);
        conf.readFields(new DataInputStream(new ByteArrayInputStream(bytes)));
        return conf;
    }
}
