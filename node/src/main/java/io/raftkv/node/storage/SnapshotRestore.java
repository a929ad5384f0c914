package io.raftkv.node.storage;

import io.raftkv.node.kv.StateHash;
import io.raftkv.node.storage.StateRecords.AppliedState;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a node's storage from a snapshot instead of from Raft: what {@code etcdutl snapshot
 * restore} and etcd's {@code --force-new-cluster} do, for RaftKV.
 *
 * <ul>
 *   <li>{@link #inspect}: verifies a snapshot file (the stream {@code raftkvctl snapshot save}
 *       writes: per-file CRC-32C and the SHA-256 trailer) and computes the state hash it holds.</li>
 *   <li>{@link #restore}: a fresh data directory whose only member is a new member id, holding the
 *       snapshot's state at the snapshot's index and term. The member elects itself and serves;
 *       other members join it by membership change.</li>
 *   <li>{@link #forceNewCluster}: quorum-loss recovery. A surviving member's storage is rebuilt as a
 *       one-member cluster in place, keeping every entry of its log (committed or not: an entry a
 *       client saw acknowledged may sit past the survivor's commit index, and keeping an entry no
 *       client saw acknowledged is a legal outcome of that client's indeterminate write). The old
 *       storage is kept beside it ({@code storage.before-force-new-cluster-<time>}).</li>
 * </ul>
 *
 * <p>Crash safety: the new storage is built in a staging directory and renamed into place; the
 * file {@value #MARKER} exists in the data directory from before the first change until after the
 * rename, and {@link NodeStorage#open} refuses to start while it exists, so a node never serves a
 * half-restored directory (nor creates an empty cluster where a restore was meant to be).
 *
 * <p>Verification: the restored state hash, computed with the source's configuration in place of
 * the new one, must equal the snapshot's; the result is then opened as a node would open it (all
 * start-up checks) and hashed again. Blocking; run off any event loop.
 */
public final class SnapshotRestore {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotRestore.class);
    /** Present in a data directory while a restore or force-new-cluster is not complete. */
    public static final String MARKER = "RESTORE-IN-PROGRESS";

    private SnapshotRestore() {}

    /** The snapshot file fails verification: not a snapshot, truncated, or a checksum mismatch. */
    public static final class InvalidSnapshotException extends RuntimeException {
        InvalidSnapshotException(Path file, CorruptRecordException cause) {
            super(file + " does not verify: " + cause.getMessage(), cause);
        }
    }

    /**
     * What a snapshot file holds.
     *
     * @param metadata  index, term and members of the source cluster at the snapshot
     * @param bytes     size of the file
     * @param crc32c    CRC-32C of the whole file (what {@code snapshot save} prints)
     * @param sha256    the SHA-256 trailer, verified, in hex
     * @param files     RocksDB files inside
     * @param stateHash the state hash of the snapshot's state, as the source members computed it
     */
    public record SnapshotFileInfo(
            SnapshotMetadata metadata, long bytes, int crc32c, String sha256, int files, StateHash stateHash) {}

    /**
     * A restored (or force-rebuilt) data directory.
     *
     * @param memberId     the only voter of the new configuration
     * @param index        applied index (= the snapshot's index, or the survivor's last log index)
     * @param term         hard-state term the member starts from (it elects itself in a later term)
     * @param sourceHash   state hash of the source state (old configuration)
     * @param restoredHash state hash of the restored member (new configuration), as it will report it
     * @param keptAt       force-new-cluster: where the previous storage was kept; null for a restore
     */
    public record Restored(
            Path dataDir,
            long memberId,
            long index,
            long term,
            StateHash sourceHash,
            StateHash restoredHash,
            Path keptAt) {}

    /**
     * Verifies {@code snapshotFile} and computes its state hash, unpacking it under a scratch
     * directory in {@code scratchParent} that is removed afterwards.
     *
     * @throws InvalidSnapshotException if the file does not verify
     */
    public static SnapshotFileInfo inspect(Path snapshotFile, Path scratchParent) throws IOException {
        try {
            return inspectVerified(snapshotFile, scratchParent);
        } catch (CorruptRecordException e) {
            throw new InvalidSnapshotException(snapshotFile, e);
        }
    }

    private static SnapshotFileInfo inspectVerified(Path snapshotFile, Path scratchParent) throws IOException {
        SnapshotMetadata meta = SnapshotStreamFormat.readHeader(snapshotFile);
        Files.createDirectories(scratchParent);
        Path scratch = Files.createTempDirectory(scratchParent, "raftkv-snapshot-status-");
        try {
            List<SnapshotManifest.FileEntry> files =
                    SnapshotStreamFormat.extract(snapshotFile, scratch.resolve("db"), meta);
            StateHash hash;
            try (KvStateMachine sm = openStateMachine(scratch, scratch.resolve("db"))) {
                hash = sm.stateHash();
            }
            checkHashMatches(hash, meta);
            int[] crc = new int[1];
            String sha = digestOf(snapshotFile, crc);
            return new SnapshotFileInfo(meta, Files.size(snapshotFile), crc[0], sha, files.size(), hash);
        } catch (RocksDBException e) {
            throw new CorruptRecordException("the snapshot's database does not open: " + e.getMessage());
        } finally {
            StorageLayout.deleteRecursively(scratch);
        }
    }

    /**
     * Creates storage in {@code dataDir} (which must be empty or absent) from {@code snapshotFile},
     * with {@code memberId} as the only voter.
     *
     * @throws IllegalArgumentException if {@code dataDir} is not empty or {@code memberId} is one of
     *                                  the snapshot's members (ids are never reused)
     * @throws InvalidSnapshotException if the file does not verify (nothing is left behind but the
     *                                  marker, which names the problem)
     */
    public static Restored restore(Path snapshotFile, Path dataDir, long memberId) throws IOException {
        try {
            return restoreVerified(snapshotFile, dataDir, memberId);
        } catch (CorruptRecordException e) {
            throw new InvalidSnapshotException(snapshotFile, e);
        }
    }

    private static Restored restoreVerified(Path snapshotFile, Path dataDir, long memberId) throws IOException {
        if (memberId <= 0) {
            throw new IllegalArgumentException("member id must be positive, got " + memberId);
        }
        StorageLayout layout = new StorageLayout(dataDir);
        requireEmpty(layout.dataDir);
        SnapshotMetadata meta = SnapshotStreamFormat.readHeader(snapshotFile);
        if (meta.confState().voters().contains(memberId)
                || meta.confState().learners().contains(memberId)) {
            throw new IllegalArgumentException("member id " + memberId + " belongs to the snapshot's cluster "
                    + meta.confState() + "; a restored cluster needs fresh member ids");
        }
        Files.createDirectories(layout.dataDir);
        writeMarker(
                layout,
                "restore of " + snapshotFile.toAbsolutePath() + " as member " + memberId
                        + " started " + Instant.now()
                        + ". It did not complete: delete this directory's contents and run"
                        + " the restore again.");
        Path staging = layout.dataDir.resolve(
                "storage.init-restore-" + ProcessHandle.current().pid());
        StorageLayout.deleteRecursively(staging);
        Path db = staging.resolve("sm");
        SnapshotStreamFormat.extract(snapshotFile, db, meta);
        Restored r = build(layout, staging, db, meta, memberId, meta.term(), null);
        LOG.info(
                "restored snapshot {} into {} as member {} (state hash {})",
                meta,
                layout.dataDir,
                memberId,
                Long.toHexString(r.restoredHash().hash()));
        return r;
    }

    /**
     * Rebuilds the storage in {@code dataDir} (a survivor of a cluster that lost its quorum) as a
     * one-member cluster whose only voter is {@code memberId}: applies every entry of its log
     * (configuration changes become no-ops: the old members are gone), then builds the new storage
     * from that state. The old storage is moved aside, never deleted.
     *
     * @throws IllegalArgumentException if {@code dataDir} holds no storage
     * @throws StorageCorruptedException if the survivor's storage fails its start-up checks
     */
    public static Restored forceNewCluster(Path dataDir, long memberId, StorageOptions options) throws IOException {
        StorageLayout layout = new StorageLayout(dataDir);
        if (!layout.exists()) {
            throw new IllegalArgumentException(layout.dataDir + " holds no storage: there is nothing to recover from");
        }
        if (Files.exists(layout.dataDir.resolve(MARKER))) {
            throw new IllegalStateException(markerProblem(layout.dataDir));
        }
        ConfState single = new ConfState(Set.of(memberId), Set.of());
        Path staging = layout.dataDir.resolve(
                "storage.init-force-" + ProcessHandle.current().pid());
        StorageLayout.deleteRecursively(staging);
        Path db = staging.resolve("sm");
        SnapshotMetadata source;
        long term;
        try (NodeStorage storage = NodeStorage.open(dataDir, options)) {
            RaftLogStorage log = storage.raftLog();
            storage.stateMachine().checkpoint(db).join();
            AppliedState applied;
            // The tail is applied to a copy: the survivor's own storage stays exactly as it was.
            try (KvStateMachine copy = openStateMachine(staging, db, options)) {
                long last = log.lastIndex();
                for (long next = copy.appliedIndex() + 1; next <= last; ) {
                    List<Entry> batch = log.entries(next, last + 1, 8L << 20);
                    Map<Long, ConfState> confs = new HashMap<>();
                    for (Entry e : batch) {
                        if (e.type() == EntryType.CONF_CHANGE) {
                            confs.put(e.index(), single);
                        }
                    }
                    copy.apply(batch, confs).join();
                    next = batch.get(batch.size() - 1).index() + 1;
                }
                applied = new AppliedState(copy.appliedIndex(), copy.appliedTerm(), copy.confState());
            } catch (RocksDBException e) {
                throw new IOException("cannot open the copy of the state machine in " + db + ": " + e.getMessage(), e);
            }
            source = new SnapshotMetadata(applied.index(), applied.term(), applied.confState());
            term = Math.max(log.hardState().term(), applied.term());
            LOG.warn(
                    "force-new-cluster: member {} applied its whole log up to index {} (commit index was {})",
                    memberId,
                    applied.index(),
                    log.hardState().commit());
        }
        writeMarker(
                layout,
                "force-new-cluster as member " + memberId + " started " + Instant.now() + ". If "
                        + layout.root + " is missing, the previous storage is in a storage.before-force-new-cluster-*"
                        + " directory beside it: move it back to 'storage', delete this file and start again.");
        Path kept = layout.dataDir.resolve(
                "storage.before-force-new-cluster-" + Instant.now().getEpochSecond());
        return build(layout, staging, db, source, memberId, term, kept);
    }

    /**
     * From the state-machine database {@code db} (inside {@code staging}) at {@code source}, builds
     * the complete storage in {@code staging} for the one-voter configuration {@code memberId}, then
     * renames it into place (moving any existing storage to {@code keepOldAt}) and removes the marker.
     */
    private static Restored build(
            StorageLayout layout,
            Path staging,
            Path db,
            SnapshotMetadata source,
            long memberId,
            long term,
            Path keepOldAt)
            throws IOException {
        ConfState conf = new ConfState(Set.of(memberId), Set.of());
        SnapshotMetadata restored = new SnapshotMetadata(source.index(), source.term(), conf);
        Path snapDir = staging.resolve("snapshots").resolve(SnapshotStore.dirName(restored));
        StateHash sourceHash;
        StateHash restoredHash;
        try (KvStateMachine sm = openStateMachine(staging, db)) {
            sourceHash = sm.stateHash();
            checkHashMatches(sourceHash, source);
            try (WriteOptions sync = new WriteOptions().setSync(true)) {
                sm.db()
                        .db
                        .put(
                                sm.db().cf(KvStateMachine.META_CF),
                                sync,
                                StateRecords.APPLIED_KEY,
                                StateRecords.encodeApplied(new AppliedState(source.index(), source.term(), conf)));
            }
            StateHash asBefore = sm.stateHash(source.confState());
            if (!asBefore.equals(sourceHash)) {
                throw new IllegalStateException("the restored state differs from the source beyond its members: "
                        + asBefore + " vs " + sourceHash);
            }
            restoredHash = sm.stateHash();
            try (org.rocksdb.Checkpoint cp = org.rocksdb.Checkpoint.create(sm.db().db)) {
                Files.createDirectories(snapDir);
                cp.createCheckpoint(snapDir.resolve(SnapshotManifest.DB_DIR).toString());
            }
        } catch (RocksDBException e) {
            throw new IOException("cannot rebuild the state machine in " + db + ": " + e.getMessage(), e);
        }
        List<SnapshotManifest.FileEntry> files = new ArrayList<>();
        try (Stream<Path> s =
                Files.list(snapDir.resolve(SnapshotManifest.DB_DIR)).sorted()) {
            for (Path f : (Iterable<Path>) s::iterator) {
                files.add(new SnapshotManifest.FileEntry(
                        f.getFileName().toString(), Files.size(f), SnapshotManifest.crcOf(f)));
            }
        }
        Files.write(snapDir.resolve(SnapshotManifest.FILE_NAME), new SnapshotManifest(restored, files).encode());
        writeLog(
                staging.resolve("log"),
                new HardState(term, 0, source.index()),
                new RaftRecords.Compacted(source.index(), source.term()));
        Files.writeString(staging.resolve("FORMAT"), StorageLayout.FORMAT_LINE, StandardCharsets.US_ASCII);
        StorageLayout.fsyncTree(staging);
        if (keepOldAt != null) {
            Files.move(layout.root, keepOldAt, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(staging, layout.root, StandardCopyOption.ATOMIC_MOVE);
        StorageLayout.fsyncDirectory(layout.dataDir);
        Files.delete(layout.dataDir.resolve(MARKER));
        StorageLayout.fsyncDirectory(layout.dataDir);
        try (NodeStorage check = NodeStorage.open(layout.dataDir, StorageOptions.defaults())) {
            StateHash opened = check.stateMachine().stateHash();
            if (!opened.equals(restoredHash)) {
                throw new IllegalStateException(
                        "the restored storage hashes to " + opened + " when opened, expected " + restoredHash);
            }
        }
        return new Restored(layout.dataDir, memberId, source.index(), term, sourceHash, restoredHash, keepOldAt);
    }

    private static void writeLog(Path logDir, HardState hs, RaftRecords.Compacted compacted) throws IOException {
        try (RocksInstance log = RocksInstance.open(logDir, RaftLogStorage.FAMILIES, false, true);
                WriteOptions sync = new WriteOptions().setSync(true)) {
            log.db.put(
                    log.cf(RaftLogStorage.STATE_CF), sync, RaftRecords.HARD_STATE_KEY, RaftRecords.encodeHardState(hs));
            log.db.put(
                    log.cf(RaftLogStorage.STATE_CF),
                    sync,
                    RaftRecords.COMPACTED_KEY,
                    RaftRecords.encodeCompacted(compacted));
            log.db.flushWal(true);
        } catch (RocksDBException e) {
            throw new IOException("cannot write the Raft log in " + logDir + ": " + e.getMessage(), e);
        }
    }

    private static KvStateMachine openStateMachine(Path layoutRoot, Path db) throws RocksDBException {
        return openStateMachine(layoutRoot, db, StorageOptions.defaults());
    }

    /** The tail of a force-new-cluster is applied with the node's own options (session expiry...). */
    private static KvStateMachine openStateMachine(Path layoutRoot, Path db, StorageOptions options)
            throws RocksDBException {
        StorageLayout at = new StorageLayout(layoutRoot);
        return new KvStateMachine(at, options, RocksInstance.open(db, KvStateMachine.FAMILIES, false, false), t -> {});
    }

    private static void checkHashMatches(StateHash hash, SnapshotMetadata meta) {
        if (hash.appliedIndex() != meta.index()) {
            throw new CorruptRecordException("the snapshot's state is at applied index " + hash.appliedIndex()
                    + " but its header says " + meta.index());
        }
    }

    private static void requireEmpty(Path dataDir) throws IOException {
        if (!Files.exists(dataDir)) {
            return;
        }
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException(dataDir + " is not a directory");
        }
        try (Stream<Path> s = Files.list(dataDir)) {
            List<String> names = s.map(p -> p.getFileName().toString())
                    // a Kubernetes pod's member id file (io.raftkv.node.k8s.MemberIdFile) names the
                    // member being restored; it is not storage
                    .filter(n -> !n.equals("lost+found") && !n.equals("member-id"))
                    .toList();
            if (!names.isEmpty()) {
                throw new IllegalArgumentException(dataDir + " is not empty (" + String.join(", ", names)
                        + "); a restore needs an empty data directory");
            }
        }
    }

    private static void writeMarker(StorageLayout layout, String text) throws IOException {
        Path marker = layout.dataDir.resolve(MARKER);
        Files.writeString(marker, text + "\n", StandardCharsets.UTF_8);
        StorageLayout.fsyncFile(marker);
        StorageLayout.fsyncDirectory(layout.dataDir);
    }

    /** What {@link NodeStorage#open} says when the marker is present. */
    static String markerProblem(Path dataDir) {
        String text;
        try {
            text = Files.readString(dataDir.resolve(MARKER), StandardCharsets.UTF_8)
                    .strip();
        } catch (IOException e) {
            text = "(unreadable: " + e.getMessage() + ")";
        }
        return "a restore into this directory did not complete (" + dataDir.resolve(MARKER) + "): " + text;
    }

    /** CRC-32C of the whole file, and its last 32 bytes (the verified SHA-256 trailer) in hex. */
    private static String digestOf(Path file, int[] crcOut) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        crcOut[0] = (int) crc.getValue();
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer trailer = java.nio.ByteBuffer.allocate(32);
            ch.read(trailer, ch.size() - 32);
            return HexFormat.of().formatHex(trailer.array());
        }
    }
}
