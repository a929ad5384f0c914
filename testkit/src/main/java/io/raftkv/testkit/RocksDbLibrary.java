package io.raftkv.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * RocksDB's JNI library in one fixed directory per build of it, for a child JVM's {@code
 * -Djava.library.path}.
 *
 * <p>RocksJava's loader first tries {@code System.loadLibrary("rocksdbjni")} and {@code
 * ("rocksdbjni-linux64")}; only when both fail does it copy the 15 MB library out of its jar into
 * {@code java.io.tmpdir}, a copy deleted on a normal exit only. Every SIGKILLed node (chaos, tests,
 * benchmarks) used to leave one behind. Here the library is extracted once into {@code
 * <cache>/rocksdbjni-<crc32>-<size>/} (cache: system property {@value #CACHE_PROPERTY}, default
 * {@code <java.io.tmpdir>/raftkv-native}): written to a temporary name in that directory and renamed,
 * so a JVM never sees a partly written library and concurrent harnesses share one copy. The key is
 * the jar entry's CRC-32 and size, so another RocksDB build gets its own directory.
 *
 * <p>{@code scripts/native-dir.sh} does the same for the shell launchers ({@code make run}); the node
 * image carries the library in {@code /app/native}.
 */
public final class RocksDbLibrary {
    /** Overrides where the extracted libraries live. */
    public static final String CACHE_PROPERTY = "raftkv.native.cache";

    static final String LIBRARY_PATH_OPTION = "-Djava.library.path=";
    private static final Duration STALE_PART = Duration.ofHours(1);
    private static final Map<String, Optional<Path>> FOUND = new ConcurrentHashMap<>();

    private RocksDbLibrary() {}

    /**
     * The library's file name for this machine ({@code librocksdbjni-linux64.so} on x86-64 Linux), as
     * RocksJava's {@code System.loadLibrary("rocksdbjni-linux64")} looks it up; empty on a platform
     * this kit does not launch nodes on.
     */
    public static Optional<String> fileName() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            return Optional.empty();
        }
        return switch (arch) {
            case "amd64", "x86_64" -> Optional.of("librocksdbjni-linux64.so");
            case "aarch64" -> Optional.of("librocksdbjni-linux-aarch64.so");
            default -> Optional.empty();
        };
    }

    /**
     * The directory holding the library of the first class path entry (a jar, or a directory) that
     * carries it, extracted into the cache if need be; empty when no entry carries it (a JVM that
     * does not use RocksDB).
     *
     * @param classPath entries separated by {@link File#pathSeparator}, or one jar
     */
    public static Optional<Path> directoryFor(String classPath) {
        Optional<Path> found = FOUND.computeIfAbsent(classPath, cp -> find(cp, cacheRoot()));
        if (found.isPresent()
                && !Files.isRegularFile(found.get().resolve(fileName().orElseThrow()))) {
            found = find(classPath, cacheRoot()); // the cache was cleaned since
            FOUND.put(classPath, found);
        }
        return found;
    }

    /**
     * {@code javaCommand} ({@code java [options] -jar JAR ...} or {@code java [options] -cp PATH
     * MAIN ...}) with {@code -Djava.library.path=<the library's directory>} as its first option,
     * unless it already names a library path or its class path carries no RocksDB library.
     */
    public static List<String> withLibraryPath(List<String> javaCommand) {
        Optional<String> classPath = Optional.empty();
        for (int i = 1; i < javaCommand.size() - 1; i++) {
            String arg = javaCommand.get(i);
            if (arg.startsWith(LIBRARY_PATH_OPTION)) {
                return javaCommand;
            }
            if (arg.equals("-jar") || arg.equals("-cp") || arg.equals("-classpath") || arg.equals("--class-path")) {
                classPath = Optional.of(javaCommand.get(i + 1));
                break;
            }
        }
        Optional<Path> dir = classPath.flatMap(RocksDbLibrary::directoryFor);
        if (dir.isEmpty()) {
            return javaCommand;
        }
        List<String> out = new ArrayList<>(javaCommand.size() + 1);
        out.add(javaCommand.get(0));
        out.add(LIBRARY_PATH_OPTION + dir.get());
        out.addAll(javaCommand.subList(1, javaCommand.size()));
        return out;
    }

    static Path cacheRoot() {
        String configured = System.getProperty(CACHE_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "raftkv-native");
    }

    static Optional<Path> find(String classPath, Path cacheRoot) {
        Optional<String> name = fileName();
        if (name.isEmpty()) {
            return Optional.empty();
        }
        // The RocksDB jar first: a test JVM's class path has a hundred jars, a node jar is one.
        List<String> entries = Stream.of(classPath.split(File.pathSeparator))
                .filter(e -> !e.isBlank())
                .sorted(Comparator.comparing(
                        e -> !Path.of(e).getFileName().toString().contains("rocksdb")))
                .toList();
        for (String entry : entries) {
            Path path = Path.of(entry);
            if (Files.isDirectory(path)) {
                if (Files.isRegularFile(path.resolve(name.get()))) {
                    return Optional.of(path.toAbsolutePath());
                }
                continue;
            }
            if (!Files.isRegularFile(path)) {
                continue;
            }
            try (ZipFile jar = new ZipFile(path.toFile())) {
                ZipEntry lib = jar.getEntry(name.get());
                if (lib != null) {
                    return Optional.of(extract(jar, lib, cacheRoot));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + path + " for " + name.get(), e);
            }
        }
        return Optional.empty();
    }

    /** Extracts {@code lib} unless its directory already holds it; returns that directory. */
    static Path extract(ZipFile jar, ZipEntry lib, Path cacheRoot) throws IOException {
        Path dir = cacheRoot.resolve(String.format("rocksdbjni-%08x-%d", lib.getCrc(), lib.getSize()));
        Path target = dir.resolve(lib.getName());
        if (Files.isRegularFile(target) && Files.size(target) == lib.getSize()) {
            return dir.toAbsolutePath();
        }
        Files.createDirectories(dir);
        deleteStaleParts(dir);
        Path part = Files.createTempFile(dir, ".extract-", ".part");
        try {
            CRC32 crc = new CRC32();
            try (InputStream in = new CheckedInputStream(jar.getInputStream(lib), crc)) {
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            }
            if (crc.getValue() != lib.getCrc() || Files.size(part) != lib.getSize()) {
                throw new IOException(lib.getName() + " in " + jar.getName() + " read back with CRC "
                        + Long.toHexString(crc.getValue()) + " and " + Files.size(part) + " bytes, expected "
                        + Long.toHexString(lib.getCrc()) + " and " + lib.getSize());
            }
            if (Files.getFileStore(part).supportsFileAttributeView("posix")) {
                // createTempFile made it private; other users' JVMs may share the cache.
                Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                // Another harness renamed the same bytes into place first.
            }
        } finally {
            Files.deleteIfExists(part);
        }
        return dir.toAbsolutePath();
    }

    /** Temporary files of an extraction whose JVM was killed half-way (older than an hour). */
    private static void deleteStaleParts(Path dir) throws IOException {
        FileTime before = FileTime.from(Instant.now().minus(STALE_PART));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".part"))
                    .toList()) {
                try {
                    if (Files.getLastModifiedTime(f).compareTo(before) < 0) {
                        Files.deleteIfExists(f);
                    }
                } catch (IOException e) {
                    // Gone already, or another harness's: the next extraction tries again.
                }
            }
        }
    }
}
