package io.raftkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksDbLibraryTest {
    @TempDir
    Path tmp;

    @Test
    void extractsOnceIntoADirectoryNamedByTheLibrarysCrcAndSize() throws Exception {
        String name = libraryName();
        byte[] library = randomBytes(200_000, 1);
        Path jar = jar(tmp.resolve("node.jar"), name, library);
        Path cache = tmp.resolve("cache");

        Path dir = RocksDbLibrary.find(jar.toString(), cache).orElseThrow();

        assertThat(dir.getParent()).isEqualTo(cache.toAbsolutePath());
        assertThat(dir.getFileName().toString()).matches("rocksdbjni-[0-9a-f]{8}-200000");
        assertThat(Files.readAllBytes(dir.resolve(name))).isEqualTo(library);
        long modified = Files.getLastModifiedTime(dir.resolve(name)).toMillis();
        assertThat(RocksDbLibrary.find(jar.toString(), cache)).contains(dir);
        assertThat(Files.getLastModifiedTime(dir.resolve(name)).toMillis())
                .as("not written again")
                .isEqualTo(modified);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).as("no temporary file left").containsExactly(dir.resolve(name));
        }

        Path other = jar(tmp.resolve("other.jar"), name, randomBytes(200_000, 2));
        assertThat(RocksDbLibrary.find(other.toString(), cache))
                .as("another build of the library, another directory")
                .get()
                .isNotEqualTo(dir);
    }

    @Test
    void concurrentHarnessesShareOneCompleteCopy() throws Exception {
        String name = libraryName();
        byte[] library = randomBytes(3_000_000, 3);
        Path jar = jar(tmp.resolve("node.jar"), name, library);
        Path cache = tmp.resolve("cache");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Optional<Path>>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> RocksDbLibrary.find(jar.toString(), cache)));
            }
            Path first = results.get(0).get().orElseThrow();
            for (Future<Optional<Path>> r : results) {
                assertThat(r.get()).contains(first);
            }
            assertThat(Files.readAllBytes(first.resolve(name))).isEqualTo(library);
            try (Stream<Path> files = Files.list(first)) {
                assertThat(files).containsExactly(first.resolve(name));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClassPathWithoutTheLibraryGetsNoDirectory() throws Exception {
        libraryName();
        Path jar = jar(tmp.resolve("plain.jar"), "Main.class", new byte[] {1, 2, 3});
        assertThat(RocksDbLibrary.find(jar + ":" + tmp.resolve("missing.jar"), tmp.resolve("cache")))
                .isEmpty();
    }

    @Test
    void theJavaCommandGetsTheLibraryPathFirstUnlessItNamesOne() throws Exception {
        String name = libraryName();
        Path jar = jar(tmp.resolve("node.jar"), name, randomBytes(1000, 4));
        System.setProperty(RocksDbLibrary.CACHE_PROPERTY, tmp.resolve("cache").toString());
        try {
            Path dir = RocksDbLibrary.directoryFor(jar.toString()).orElseThrow();
            assertThat(dir).startsWith(tmp.resolve("cache"));
            List<String> cmd = NodeJvm.fromJar(List.of("-Xmx64m"), null, jar, List.of("--id", "1"));
            assertThat(cmd)
                    .containsExactly(
                            NodeJvm.java(),
                            "-Djava.library.path=" + dir,
                            "-Xmx64m",
                            "-jar",
                            jar.toString(),
                            "--id",
                            "1");
            List<String> own = List.of("java", "-Djava.library.path=/opt/lib", "-cp", jar.toString(), "Main");
            assertThat(RocksDbLibrary.withLibraryPath(own)).isEqualTo(own);
            List<String> noJar = List.of("java", "-version");
            assertThat(RocksDbLibrary.withLibraryPath(noJar)).isEqualTo(noJar);
        } finally {
            System.clearProperty(RocksDbLibrary.CACHE_PROPERTY);
        }
    }

    private static String libraryName() {
        Optional<String> name = RocksDbLibrary.fileName();
        assumeTrue(name.isPresent(), "the kit launches nodes on Linux x86-64 and aarch64 only");
        return name.get();
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Path jar(Path file, String entry, byte[] content) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry(entry));
            zip.write(content);
            zip.closeEntry();
        }
        return file;
    }
}
