package io.raftkv.node.storage;

import io.raftkv.node.storage.StateRecords.AppliedState;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import java.nio.file.Files;
import java.util.TreeMap;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * The start-up checks, run on read-only opens so that a failing check modifies nothing:
 * <ol>
 *   <li>the format marker; both databases open (RocksDB verifies its MANIFEST and WAL) and, with
 *       {@link StorageOptions#verifyChecksumsOnOpen()}, every SST block, every log and state record
 *       and every snapshot file verifies its checksum;</li>
 *   <li>the log is contiguous from the compaction marker to its last entry, and its terms never
 *       decrease and never exceed the hard state's term;</li>
 *   <li>hard-state commit ≤ last index;</li>
 *   <li>a compacted log is covered by a complete snapshot at or past the compaction point, whose
 *       term agrees when it sits exactly there;</li>
 *   <li>applied ≤ commit (where compacted entries count as committed), and the applied entry's term
 *       agrees with the log.</li>
 * </ol>
 * The result says what start-up must do: nothing, or rebuild the state machine from the latest
 * snapshot (it is behind the log's compaction point after a crash during a snapshot install, or
 * after an OS crash lost its unsynced tail) or from scratch (a missing state machine over an
 * uncompacted log).
 */
final class StartupCheck {

    /** What the checks found. {@code view} is the log as loaded, ready for the driver. */
    record Report(
            LogView view,
            HardState hardState,
            RaftRecords.Compacted compacted,
            ConfState bootstrapConf,
            AppliedState applied,
            TreeMap<Long, SnapshotManifest> snapshots,
            Recovery recovery) {
        String summary() {
            return "log: first index " + view.firstIndex() + ", last index " + view.lastIndex() + ", hard state "
                    + hardState + "\nstate machine: applied index " + applied.index() + " term " + applied.term()
                    + ", configuration " + applied.confState()
                    + "\nsnapshots: "
                    + snapshots.values().stream()
                            .map(m -> m.metadata().toString())
                            .toList()
                    + "\nrecovery at start-up: " + recovery;
        }
    }

    enum Recovery {
        NONE,
        RESTORE_STATE_MACHINE_FROM_SNAPSHOT,
        CREATE_EMPTY_STATE_MACHINE
    }

    private StartupCheck() {}

    static Report run(StorageLayout layout, StorageOptions options) {
        layout.checkFormat();
        boolean verify = options.verifyChecksumsOnOpen();
        if (!Files.isDirectory(layout.logDir)) {
            throw corrupted(layout, "the log database " + layout.logDir + " is missing");
        }
        LogView view;
        HardState hs;
        RaftRecords.Compacted compacted;
        ConfState bootstrap;
        long lastTerm;
        try (RocksInstance log = RocksInstance.open(layout.logDir, RaftLogStorage.FAMILIES, true, false)) {
            if (verify) {
                log.db.verifyChecksum();
            }
            byte[] hsBytes = log.db.get(log.cf(RaftLogStorage.STATE_CF), RaftRecords.HARD_STATE_KEY);
            hs = hsBytes == null ? HardState.EMPTY : RaftRecords.decodeHardState(hsBytes);
            byte[] cBytes = log.db.get(log.cf(RaftLogStorage.STATE_CF), RaftRecords.COMPACTED_KEY);
            compacted = cBytes == null ? RaftRecords.Compacted.NONE : RaftRecords.decodeCompacted(cBytes);
            byte[] bBytes = log.db.get(log.cf(RaftLogStorage.STATE_CF), RaftRecords.BOOTSTRAP_CONF_KEY);
            bootstrap = bBytes == null
                    ? ConfState.EMPTY
                    : RaftRecords.decodeConfState(RaftRecords.BOOTSTRAP_CONF_KEY, bBytes);
            view = new LogView(options.logTailCacheEntries(), options.logTailCacheBytes(), compacted, hs);
            lastTerm = loadLog(log, view, compacted, verify);
        } catch (RocksDBException e) {
            throw corrupted(
                    layout, "the log database " + layout.logDir + " does not open or read cleanly: " + e.getMessage());
        } catch (CorruptRecordException e) {
            throw corrupted(layout, "the Raft log: " + e.getMessage());
        }
        if (lastTerm > hs.term()) {
            throw corrupted(
                    layout, "the last log entry has term " + lastTerm + ", past the hard state's term " + hs.term());
        }
        if (hs.commit() > view.lastIndex()) {
            throw corrupted(
                    layout,
                    "the hard state's commit index " + hs.commit() + " is past the last log index " + view.lastIndex());
        }
        TreeMap<Long, SnapshotManifest> snapshots = SnapshotStore.scan(layout, verify);
        SnapshotMetadata latest =
                snapshots.isEmpty() ? null : snapshots.lastEntry().getValue().metadata();
        if (compacted.index() > 0) {
            if (latest == null || latest.index() < compacted.index()) {
                throw corrupted(
                        layout,
                        "the log is compacted up to " + compacted.index()
                                + " but no complete snapshot covers it (latest: " + (latest == null ? "none" : latest)
                                + ")");
            }
            SnapshotManifest at = snapshots.get(compacted.index());
            if (at != null && at.metadata().term() != compacted.term()) {
                throw corrupted(
                        layout,
                        "the snapshot at index " + compacted.index() + " has term "
                                + at.metadata().term() + " but the log says " + compacted.term());
            }
        }
        long effectiveCommit = Math.max(hs.commit(), compacted.index());
        if (!Files.isDirectory(layout.smDir)) {
            if (latest != null && latest.index() >= compacted.index()) {
                return new Report(
                        view,
                        hs,
                        compacted,
                        bootstrap,
                        AppliedState.EMPTY,
                        snapshots,
                        Recovery.RESTORE_STATE_MACHINE_FROM_SNAPSHOT);
            }
            if (compacted.index() == 0) {
                return new Report(
                        view,
                        hs,
                        compacted,
                        bootstrap,
                        AppliedState.EMPTY,
                        snapshots,
                        Recovery.CREATE_EMPTY_STATE_MACHINE);
            }
            throw corrupted(layout, "the state machine database " + layout.smDir + " is missing");
        }
        AppliedState applied = checkStateMachine(layout, verify);
        if (applied.index() > effectiveCommit) {
            // A Ready that changes only the commit index is not written at all (ReadyLoop: it rides
            // with the next real write), so after a crash the hard state may hold an older commit
            // index than the state machine, which applies only committed entries. That is benign
            // exactly when the applied entry is still in the durable log with the same term; the
            // commit index is then known to be at least the applied index. Anything else is damage.
            if (applied.index() > view.lastIndex() || view.term(applied.index()) != applied.term()) {
                throw corrupted(
                        layout,
                        "the state machine's applied index " + applied.index()
                                + " is past the commit index " + effectiveCommit
                                + " and the log does not hold that entry (last index " + view.lastIndex() + ")");
            }
            hs = new HardState(hs.term(), hs.vote(), applied.index());
            view.setHardState(hs);
        }
        if (applied.index() < compacted.index()) {
            return new Report(
                    view, hs, compacted, bootstrap, applied, snapshots, Recovery.RESTORE_STATE_MACHINE_FROM_SNAPSHOT);
        }
        if (applied.index() > 0 && view.term(applied.index()) != applied.term()) {
            throw corrupted(
                    layout,
                    "the state machine applied index " + applied.index() + " at term " + applied.term()
                            + " but the log has term " + view.term(applied.index()) + " there");
        }
        return new Report(view, hs, compacted, bootstrap, applied, snapshots, Recovery.NONE);
    }

    /** Loads every entry into {@code view}, checking contiguity and terms; returns the last term. */
    private static long loadLog(RocksInstance log, LogView view, RaftRecords.Compacted compacted, boolean verify)
            throws RocksDBException {
        long lastTerm = compacted.term();
        try (ReadOptions ro = new ReadOptions().setVerifyChecksums(verify);
                RocksIterator it = log.db.newIterator(log.cf(RaftLogStorage.LOG_CF), ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                Entry e = RaftRecords.decodeEntry(it.key(), it.value());
                if (e.index() <= compacted.index()) {
                    throw new CorruptRecordException(
                            "entry #" + e.index() + " survives compaction up to " + compacted.index());
                }
                if (e.term() < lastTerm) {
                    throw new CorruptRecordException("entry #" + e.index() + " has term " + e.term()
                            + ", lower than the term " + lastTerm + " before it");
                }
                view.loadDurable(e);
                lastTerm = e.term();
            }
            it.status();
        }
        return lastTerm;
    }

    private static AppliedState checkStateMachine(StorageLayout layout, boolean verify) {
        try (RocksInstance sm = RocksInstance.open(layout.smDir, KvStateMachine.FAMILIES, true, false)) {
            if (verify) {
                sm.db.verifyChecksum();
                for (String cf : KvStateMachine.FAMILIES) {
                    if (sm.has(cf)) {
                        verifyRecords(sm, cf);
                    }
                }
            }
            return KvStateMachine.readApplied(layout.dataDir, sm);
        } catch (RocksDBException e) {
            throw corrupted(
                    layout,
                    "the state machine database " + layout.smDir + " does not open or read cleanly: " + e.getMessage());
        } catch (CorruptRecordException e) {
            throw corrupted(layout, "the state machine: " + e.getMessage());
        }
    }

    private static void verifyRecords(RocksInstance sm, String cf) throws RocksDBException {
        if (cf.equals(KvStateMachine.EXPIRY_CF)) {
            return;
        }
        try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true);
                RocksIterator it = sm.db.newIterator(sm.cf(cf), ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                ChecksummedRecord.open(it.key(), it.value());
            }
            it.status();
        }
    }

    private static StorageCorruptedException corrupted(StorageLayout layout, String problem) {
        return new StorageCorruptedException(layout.dataDir, problem);
    }
}
