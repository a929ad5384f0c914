package io.raftkv.node;

import io.raftkv.node.storage.SnapshotRestore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up half of {@code --restore-from FILE}: the first member of a cluster being restored
 * (on Kubernetes: pod 0 of a RaftKvCluster with {@code spec.restore}) turns its empty volume into
 * the snapshot's state with itself as the only voter ({@link SnapshotRestore#restore}) before it
 * opens any port, so the cluster serves nothing until the restore is complete.
 *
 * <p>Once: the file {@value #DONE_FILE} records it, and a volume that already holds this member's
 * storage is never restored over. A restore interrupted by a crash (the {@link
 * SnapshotRestore#MARKER} file is still there, {@value #DONE_FILE} is not) has never served
 * anything, so its leftovers are deleted and the restore runs again. A member that joins (any pod
 * but the first) ignores the setting.
 *
 * <p>A refused restore is a {@link Refused} with its {@link Kind} — the node's exit code, which
 * the operator turns into {@code status.restore.phase=Failed} with the reason: the source is
 * missing (11), corrupt (10: a SHA-256 or checksum mismatch), unreadable (12), or the volume holds
 * storage no restore made (13). The source file is only read; the volume keeps nothing a later
 * attempt would mistake for a restored member (the marker makes it start over).
 */
final class RestoreAtStart {
    private static final Logger LOG = LoggerFactory.getLogger(RestoreAtStart.class);
    static final String DONE_FILE = "restore.done";
    /** Files of a data directory that a restore leaves alone: the pod's member id file. */
    private static final Set<String> KEPT = Set.of("member-id", "lost+found");

    private RestoreAtStart() {}

    /** Why a restore was refused; {@link #exitCode} is the node's exit status (docs/operator.md). */
    enum Kind {
        CORRUPT(10),
        MISSING(11),
        UNREADABLE(12),
        VOLUME_NOT_EMPTY(13);

        final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }
    }

    /** A restore that did not happen, and why. */
    static final class Refused extends RuntimeException {
        final Kind kind;

        Refused(Kind kind, String message, Throwable cause) {
            super(message, cause);
            this.kind = kind;
        }
    }

    /**
     * {@link #runIfAsked(Path, String, long, boolean, Path)}, every failure turned into a
     * {@link Refused} of its kind.
     */
    static boolean run(Path file, String sha256, long selfId, boolean join, Path dataDir) {
        try {
            return runIfAsked(file, sha256, selfId, join, dataDir);
        } catch (Refused e) {
            throw e;
        } catch (SnapshotRestore.InvalidSnapshotException e) {
            throw new Refused(Kind.CORRUPT, "--restore-from " + file + ": " + e.getMessage(), e);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new Refused(Kind.UNREADABLE, "--restore-from " + file + ": cannot restore: " + e, e);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new Refused(Kind.UNREADABLE, e.getMessage(), e);
        }
    }

    /**
     * @param file    the snapshot file, or null when no restore is asked for
     * @param sha256  the file's expected SHA-256 in hex, or empty
     * @return true if this call restored the storage
     * @throws IllegalStateException when the volume holds storage of its own that no restore made, or
     *                               the file's SHA-256 differs from {@code sha256}
     */
    static boolean runIfAsked(Path file, String sha256, long selfId, boolean join, Path dataDir) throws IOException {
        if (file == null) {
            return false;
        }
        if (join) {
            LOG.info("--restore-from {} is set but this member joins an existing cluster: ignored", file);
            return false;
        }
        Path done = dataDir.resolve(DONE_FILE);
        if (Files.exists(done)) {
            LOG.info(
                    "--restore-from {}: already carried out ({}); starting normally",
                    file,
                    Files.readString(done, StandardCharsets.UTF_8).strip());
            return false;
        }
        if (Files.exists(dataDir.resolve(SnapshotRestore.MARKER))) {
            LOG.warn(
                    "an earlier restore into {} did not complete: deleting its leftovers and restoring again", dataDir);
            for (Path p : leftovers(dataDir)) {
                deleteRecursively(p);
            }
        } else if (Files.exists(dataDir.resolve("storage"))) {
            throw new Refused(
                    Kind.VOLUME_NOT_EMPTY,
                    "--restore-from " + file + " is set but " + dataDir + " already holds"
                            + " storage that no restore created (no " + DONE_FILE + "): refusing to restore over a"
                            + " member's data. Remove the setting, or give this member an empty volume.",
                    null);
        }
        if (!Files.isRegularFile(file)) {
            throw new Refused(
                    Kind.MISSING,
                    "--restore-from " + file + ": no such file (is the backup's volume mounted, and the path inside"
                            + " it right?)",
                    null);
        }
        if (!sha256.isEmpty()) {
            String actual = sha256Of(file);
            if (!actual.equalsIgnoreCase(sha256)) {
                throw new Refused(
                        Kind.CORRUPT,
                        "--restore-from " + file + " has SHA-256 " + actual + ", expected " + sha256
                                + " (--restore-sha256): not the backup that was named, or damaged; nothing restored",
                        null);
            }
        }
        long started = System.nanoTime();
        LOG.warn("--restore-from {}: restoring into {} as member {} (the only voter)", file, dataDir, selfId);
        SnapshotRestore.Restored r = SnapshotRestore.restore(file, dataDir, selfId);
        Files.writeString(
                done,
                "member " + selfId + " restored " + file + " at index " + r.index() + " (state hash " + r.sourceHash()
                        + ") on " + Instant.now() + "\n",
                StandardCharsets.UTF_8);
        LOG.warn(
                "--restore-from done in {} ms: member {} at index {}, state hash {} equals the backup's",
                (System.nanoTime() - started) / 1_000_000,
                selfId,
                r.index(),
                r.sourceHash());
        return true;
    }

    private static List<Path> leftovers(Path dataDir) throws IOException {
        try (Stream<Path> s = Files.list(dataDir)) {
            return s.filter(p -> !KEPT.contains(p.getFileName().toString())).toList();
        }
    }

    static String sha256Of(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            try (Stream<Path> s = Files.list(p)) {
                for (Path c : s.toList()) {
                    deleteRecursively(c);
                }
            }
        }
        Files.deleteIfExists(p);
    }
}
