package ai.stratum.data.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An output directory on a Hadoop file system ({@code hdfs://}, {@code s3a://}, {@code file:}), mirrored through
 * local staging directories: a unit of work downloads the files it reads, runs the stage into a fresh local
 * directory, and uploads what the stage wrote, its marker last, each file to a temporary name and renamed (atomic
 * on HDFS; on S3 the marker written last is what makes a unit count as done). A unit whose marker is already there
 * is skipped, so a resubmitted job resumes as the local executor does.
 *
 * @param uri  the output directory
 * @param conf the Hadoop configuration ({@link HadoopInputs#bytes})
 */
record RemoteOutput(String uri, byte[] conf) implements Serializable {
    /** The file system; for {@code file:} the raw one, which writes no {@code .crc} side files. */
    private FileSystem fs() throws IOException {
        FileSystem fs = new org.apache.hadoop.fs.Path(uri).getFileSystem(HadoopInputs.configuration(conf));
        return fs instanceof org.apache.hadoop.fs.LocalFileSystem local ? local.getRaw() : fs;
    }

    private org.apache.hadoop.fs.Path remote(String rel) {
        return new org.apache.hadoop.fs.Path(uri.endsWith("/") ? uri + rel : uri + "/" + rel);
    }

    boolean exists(String rel) throws IOException {
        return fs().exists(remote(rel));
    }

    /** Copies {@code rel} into {@code root} if it exists remotely; true if it did. */
    boolean download(String rel, Path root) throws IOException {
        org.apache.hadoop.fs.Path src = remote(rel);
        FileSystem fs = fs();
        if (!fs.exists(src)) {
            return false;
        }
        Path dst = root.resolve(rel);
        Files.createDirectories(dst.getParent());
        fs.copyToLocalFile(false, src, new org.apache.hadoop.fs.Path(dst.toUri()), true);
        return true;
    }

    /**
     * Every file of {@code dir} (relative to the output, e.g. {@code work/tokens}) whose name ends with
     * {@code suffix} into {@code root}; returns their relative paths.
     */
    List<String> downloadDir(String dir, String suffix, Path root) throws IOException {
        FileSystem fs = fs();
        org.apache.hadoop.fs.Path src = remote(dir);
        List<String> got = new java.util.ArrayList<>();
        if (!fs.exists(src)) {
            return got;
        }
        var files = fs.listFiles(src, false);
        while (files.hasNext()) {
            String name = files.next().getPath().getName();
            if (name.endsWith(suffix) && !name.endsWith(".tmp")) {
                download(dir + "/" + name, root);
                got.add(dir + "/" + name);
            }
        }
        return got;
    }

    /**
     * Uploads every file under {@code root} except {@code skip} (relative paths: what was downloaded) and files
     * named {@code .done} or {@code final.done}, then those markers.
     */
    void upload(Path root, Set<String> skip) throws IOException {
        FileSystem fs = fs();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).sorted(Comparator.comparing((Path p) -> p.toString()
                    .endsWith(".done")).thenComparing(Path::toString)).toList();
        }
        for (Path f : files) {
            String rel = root.relativize(f).toString().replace('\\', '/');
            if (skip.contains(rel)) {
                continue;
            }
            org.apache.hadoop.fs.Path target = remote(rel);
            org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(target.getParent(),
                    "." + target.getName() + "." + System.nanoTime() + ".tmp");
            fs.mkdirs(target.getParent());
            fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(f.toUri()), tmp);
            fs.delete(target, false);
            if (!fs.rename(tmp, target)) {
                throw new IOException(uri + ": could not rename " + tmp + " to " + target);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
