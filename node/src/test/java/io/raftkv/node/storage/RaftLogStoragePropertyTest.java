package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.raft.Storage;
import io.raftkv.raft.StorageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model-based property test: the same random sequence of appends (with conflicting suffixes),
 * hard-state updates, snapshots with compaction and restarts goes to the RocksDB storage and to
 * the core's {@link MemoryStorage}; after every step everything observable through
 * {@link Storage} must agree. Seeds are printed; replay one with {@code -Dstorage.seed=N}.
 */
class RaftLogStoragePropertyTest {
    private static final int SEEDS = Integer.getInteger("storage.seeds", 8);
    private static final int STEPS = 60;

    @TempDir
    Path tmp;

    @Test
    void rocksDbStorageBehavesLikeMemoryStorage() {
        Long fixed = Long.getLong("storage.seed");
        long base = fixed != null ? fixed : new Random().nextLong();
        int seeds = fixed != null ? 1 : SEEDS;
        for (int i = 0; i < seeds; i++) {
            long seed = base + i;
            System.out.println("RaftLogStoragePropertyTest seed " + seed + " (replay: -Dstorage.seed=" + seed + ")");
            try {
                runOne(seed, tmp.resolve("seed-" + seed));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("failed with seed " + seed + " (replay: -Dstorage.seed=" + seed + ")", e);
            }
        }
    }

    private void runOne(long seed, Path dir) {
        Random rnd = new Random(seed);
        StorageOptions options = StorageOptions.defaults().withLogTailCacheEntries(1 + rnd.nextInt(8));
        MemoryStorage model = new MemoryStorage();
        model.setConfState(ConfState.ofVoters(1L));
        NodeStorage storage = NodeStorage.open(dir, options);
        try {
            assertThat(storage.raftLog().bootstrap(ConfState.ofVoters(1L))).isTrue();
            long term = 1;
            long commit = 0;
            for (int step = 0; step < STEPS; step++) {
                int op = rnd.nextInt(10);
                RaftLogStorage log = storage.raftLog();
                if (op < 5) {
                    long lo = Math.max(model.firstIndex(), commit + 1);
                    long start = lo + rnd.nextInt((int) (model.lastIndex() + 2 - lo));
                    if (rnd.nextInt(3) == 0) {
                        term++;
                    }
                    List<Entry> es = new ArrayList<>();
                    int n = 1 + rnd.nextInt(12);
                    for (int k = 0; k < n; k++) {
                        byte[] data = new byte[rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(200)];
                        rnd.nextBytes(data);
                        es.add(new Entry(term, start + k, EntryType.NORMAL, data));
                    }
                    HardState hs = new HardState(term, 1, commit);
                    model.append(es);
                    model.setHardState(hs);
                    log.persist(hs, es, null).join();
                } else if (op < 7) {
                    commit = commit + rnd.nextInt((int) (model.lastIndex() - commit + 1));
                    HardState hs = new HardState(term, 1, commit);
                    model.setHardState(hs);
                    log.persist(hs, List.of(), null).join();
                } else if (op < 8) {
                    snapshotAndCompact(storage, model, commit, rnd);
                } else if (op < 9) {
                    storage.close();
                    storage = NodeStorage.open(dir, options);
                }
                assertSameObservations(model, storage.raftLog(), rnd);
            }
        } finally {
            storage.close();
        }
    }

    private static void snapshotAndCompact(NodeStorage storage, MemoryStorage model, long commit, Random rnd) {
        KvStateMachine sm = storage.stateMachine();
        if (commit <= sm.appliedIndex() || commit < model.firstIndex()) {
            return;
        }
        List<Entry> toApply = storage.raftLog().entries(sm.appliedIndex() + 1, commit + 1, Long.MAX_VALUE);
        sm.apply(toApply, Map.of()).join();
        SnapshotMetadata m = storage.snapshots().create().join();
        assertThat(m.index()).isEqualTo(commit);
        assertThat(m.term()).isEqualTo(model.term(commit));
        model.createSnapshot(m.index(), m.confState(), new byte[0]);
        long compactTo = model.firstIndex() - 1 + rnd.nextInt((int) (m.index() - model.firstIndex() + 2));
        if (compactTo >= model.firstIndex()) {
            model.compact(compactTo);
            storage.raftLog().compact(compactTo).join();
        }
    }

    static void assertSameObservations(MemoryStorage model, RaftLogStorage log, Random rnd) {
        assertThat(log.firstIndex()).as("firstIndex").isEqualTo(model.firstIndex());
        assertThat(log.lastIndex()).as("lastIndex").isEqualTo(model.lastIndex());
        assertThat(log.initialState().hardState())
                .as("hard state")
                .isEqualTo(model.initialState().hardState());
        assertThat(log.snapshot().metadata().index())
                .as("snapshot index")
                .isEqualTo(model.snapshot().metadata().index());
        assertThat(log.snapshot().metadata().term())
                .as("snapshot term")
                .isEqualTo(model.snapshot().metadata().term());
        for (long i = model.firstIndex() - 1; i <= model.lastIndex(); i++) {
            assertThat(log.term(i)).as("term(%d)", i).isEqualTo(model.term(i));
        }
        long below = model.firstIndex() - 2;
        if (below >= 0) {
            assertThatThrownBy(() -> log.term(below)).isInstanceOf(StorageException.Compacted.class);
        }
        assertThatThrownBy(() -> log.term(model.lastIndex() + 1)).isInstanceOf(StorageException.Unavailable.class);
        assertThatThrownBy(() -> log.entries(model.firstIndex() - 1, model.lastIndex() + 1, Long.MAX_VALUE))
                .isInstanceOf(StorageException.Compacted.class);
        assertThatThrownBy(() -> log.entries(model.firstIndex(), model.lastIndex() + 2, Long.MAX_VALUE))
                .isInstanceOf(StorageException.Unavailable.class);
        for (int k = 0; k < 5; k++) {
            long span = model.lastIndex() - model.firstIndex() + 2;
            long lo = model.firstIndex() + (long) (rnd.nextDouble() * span);
            long hi = lo + (long) (rnd.nextDouble() * (model.lastIndex() + 2 - lo));
            long maxBytes = rnd.nextBoolean() ? Long.MAX_VALUE : rnd.nextInt(600);
            if (lo > model.lastIndex() + 1 || hi > model.lastIndex() + 1) {
                continue;
            }
            assertThat(log.entries(lo, hi, maxBytes))
                    .as("entries(%d, %d, %d)", lo, hi, maxBytes)
                    .isEqualTo(model.entries(lo, hi, maxBytes));
        }
    }
}
