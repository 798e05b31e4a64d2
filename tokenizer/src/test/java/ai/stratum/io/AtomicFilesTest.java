package ai.stratum.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesCreateParentsAndReplaceWholeFiles() throws IOException {
        Path target = dir.resolve("a/b/out.txt");
        AtomicFiles.writeString(target, "first version, longer than the second");
        AtomicFiles.writeString(target, "second");
        assertEquals("second", Files.readString(target));
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertEquals(List.of("out.txt"), s.map(p -> p.getFileName().toString()).toList(), "no temp file left");
        }
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndLeavesNoTemp() throws IOException {
        Path target = dir.resolve("model.bin");
        AtomicFiles.writeBytes(target, new byte[] {1, 2, 3});
        IOException failure = assertThrows(IOException.class, () -> AtomicFiles.write(target, ch -> {
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(new byte[] {9, 9, 9, 9, 9}));
            throw new IOException("disk full");
        }));
        assertEquals(target + ": cannot be written: disk full", failure.getMessage());
        assertEquals("disk full", failure.getCause().getMessage());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
        assertEquals(List.of("model.bin"), names());
    }

    @Test
    void anOutputClosedWithoutCommitWritesNothing() throws IOException {
        Path target = dir.resolve("shard.bin");
        try (AtomicFiles.Output out = AtomicFiles.create(target)) {
            out.stream().write(new byte[1000]);
            assertEquals(1, names().size(), "the temp file exists while writing");
            assertTrue(names().get(0).startsWith(".shard.bin") && names().get(0).endsWith(AtomicFiles.TEMP_SUFFIX));
        }
        assertEquals(List.of(), names());
    }

    @Test
    void streamAndChannelWritesAreKeptInOrder() throws IOException {
        Path target = dir.resolve("mixed.bin");
        try (AtomicFiles.Output out = AtomicFiles.create(target)) {
            out.stream().write("head,".getBytes(StandardCharsets.UTF_8));
            AtomicFiles.writeFully(out.channel(), ByteBuffer.wrap("body,".getBytes(StandardCharsets.UTF_8)));
            out.stream().write("tail".getBytes(StandardCharsets.UTF_8));
            out.commit();
            assertThrows(IllegalStateException.class, out::commit);
        }
        assertEquals("head,body,tail", Files.readString(target));
    }

    @Test
    void aStreamWriterMayCloseItsStream() throws IOException {
        Path target = dir.resolve("tokenizer.json");
        AtomicFiles.writeStream(target, out -> {
            out.write("{\"a\":".getBytes(StandardCharsets.UTF_8));
            out.close(); // JSON generators close the stream they were given
        });
        assertEquals("{\"a\":", Files.readString(target));
    }

    @Test
    void outputsAreReadableByOthersLikeAnyFile() throws IOException {
        Path target = dir.resolve("config.json");
        AtomicFiles.writeString(target, "{}");
        Path plain = Files.writeString(dir.resolve("plain.json"), "{}");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(target));
        assertTrue(Files.getPosixFilePermissions(target).contains(PosixFilePermission.OWNER_READ));
    }

    @Test
    void deleteTempsSweepsOnlyHiddenTempFiles() throws IOException {
        Files.createDirectories(dir.resolve("rejects"));
        Files.writeString(dir.resolve("rejects/.filter-000000.jsonl.999.1.tmp"), "{\"half");
        Files.writeString(dir.resolve(".stats.json-1-2-3.tmp"), "{");
        Files.writeString(dir.resolve("notes.tmp"), "a user's file, not ours");
        Files.writeString(dir.resolve("kept.json"), "{}");
        AtomicFiles.deleteTemps(dir);
        assertEquals(List.of("kept.json", "notes.tmp", "rejects"), names());
        assertFalse(Files.exists(dir.resolve("rejects/.filter-000000.jsonl.999.1.tmp")));
        AtomicFiles.deleteTemps(dir.resolve("missing"));
    }

    @Test
    void aFullDiskNamesTheFileAndSaysWhatToDo() throws IOException {
        Path full = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(full), "no /dev/full on this system");
        Path target = dir.resolve("checkpoint/model.bin");
        // /dev/full fails every write with ENOSPC, as a full disk does
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, ch -> {
            try (var dev = java.nio.channels.FileChannel.open(full, java.nio.file.StandardOpenOption.WRITE)) {
                AtomicFiles.writeFully(dev, ByteBuffer.wrap(new byte[4096]));
            }
        }));
        assertTrue(e.getMessage().startsWith(target + ": cannot be written: No space left on device; the disk is "
                + "full: free space on it or write to another disk"), e.getMessage());
        assertFalse(Files.exists(target));
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertEquals(0, s.count(), "the temp file is removed");
        }
    }
}
