package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.StateHash;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restore from a snapshot file, force-new-cluster from a survivor, and what they refuse. */
class SnapshotRestoreTest {
    private static final StorageOptions OPTIONS = StorageOptions.defaults()
            .withSnapshotChunkBytes(4096)
            .withSnapshotThresholdEntries(100)
            .withLogEntriesRetainedAfterSnapshot(10);
    private static final ConfState THREE = new ConfState(Set.of(1L, 2L, 3L), Set.of());

    @TempDir
    Path tmp;

    private static Entry conf(long index) {
        return new Entry(2, index, EntryType.CONF_CHANGE, new byte[0]);
    }

    private static List<Entry> puts(long from, int n, String prefix) {
        List<Entry> es = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] value = (prefix + (from + i)).getBytes(StandardCharsets.UTF_8);
            es.add(new Entry(
                    2,
                    from + i,
                    EntryType.NORMAL,
                    CommandCodec.encode(
                            Command.of(new Put((prefix + (from + i)).getBytes(StandardCharsets.UTF_8), value)))));
        }
        return es;
    }

    /** A three-member source: configuration at index 1, then {@code n} puts, all applied. */
    private static long fillSource(NodeStorage s, int n) {
        List<Entry> es = new ArrayList<>();
        es.add(conf(1));
        es.addAll(puts(2, n, "k"));
        long last = 1 + n;
        s.raftLog().persist(new HardState(2, 1, last), es, null).join();
        s.stateMachine().apply(es, Map.of(1L, THREE)).join();
        return last;
    }

    private static void save(NodeStorage s, SnapshotMetadata m, Path file) throws IOException {
        try (SnapshotReader r = s.snapshots().openReader(m);
                OutputStream out = Files.newOutputStream(file)) {
            while (r.hasNext()) {
                out.write(r.next().bytes());
            }
        }
    }

    private static String value(NodeStorage s, String key) {
        return s.stateMachine()
                .get(key.getBytes(StandardCharsets.UTF_8))
                .map(kv -> new String(kv.value(), StandardCharsets.UTF_8))
                .orElse(null);
    }

    @Test
    void restoreBuildsAOneMemberStorageHoldingExactlyTheSnapshotsState() throws IOException {
        Path file = tmp.resolve("backup.snap");
        StateHash sourceHash;
        SnapshotMetadata m;
        try (NodeStorage a = NodeStorage.open(tmp.resolve("a"), OPTIONS)) {
            fillSource(a, 150);
            m = a.snapshots().create().join();
            sourceHash = a.stateMachine().stateHash();
            save(a, m, file);
        }
        SnapshotRestore.SnapshotFileInfo info = SnapshotRestore.inspect(file, tmp.resolve("scratch"));
        assertThat(info.metadata()).isEqualTo(m);
        assertThat(info.metadata().confState()).isEqualTo(THREE);
        assertThat(info.stateHash()).isEqualTo(sourceHash);
        assertThat(info.bytes()).isEqualTo(Files.size(file));
        assertThat(info.sha256()).hasSize(64);
        assertThat(tmp.resolve("scratch")).isEmptyDirectory();

        SnapshotRestore.Restored r = SnapshotRestore.restore(file, tmp.resolve("r"), 11);
        assertThat(r.sourceHash()).isEqualTo(sourceHash);
        assertThat(r.index()).isEqualTo(m.index());
        assertThat(tmp.resolve("r").resolve(SnapshotRestore.MARKER)).doesNotExist();
        try (NodeStorage restored = NodeStorage.open(tmp.resolve("r"), OPTIONS)) {
            assertThat(restored.stateMachine().appliedIndex()).isEqualTo(m.index());
            assertThat(restored.stateMachine().confState()).isEqualTo(new ConfState(Set.of(11L), Set.of()));
            assertThat(restored.raftLog().initialState().confState().voters()).containsExactly(11L);
            assertThat(restored.stateMachine().stateHash()).isEqualTo(r.restoredHash());
            assertThat(restored.stateMachine().stateHash(THREE))
                    .as("everything but the members equals the source")
                    .isEqualTo(sourceHash);
            assertThat(restored.raftLog().hardState()).isEqualTo(new HardState(2, 0, m.index()));
            assertThat(restored.raftLog().firstIndex()).isEqualTo(m.index() + 1);
            assertThat(restored.snapshots().latest())
                    .contains(new SnapshotMetadata(m.index(), 2, new ConfState(Set.of(11L), Set.of())));
            assertThat(value(restored, "k2")).isEqualTo("k2");
            assertThat(value(restored, "k151")).isEqualTo("k151");
            // The restored member goes on applying where the snapshot ended.
            List<Entry> more = puts(m.index() + 1, 5, "n");
            restored.raftLog()
                    .persist(new HardState(3, 11, m.index() + 5), more, null)
                    .join();
            restored.stateMachine().apply(more, Map.of()).join();
            assertThat(value(restored, "n" + (m.index() + 5))).isEqualTo("n" + (m.index() + 5));
        }
    }

    @Test
    void restoreRefusesABusyDirectoryAReusedMemberIdAndADamagedFile() throws IOException {
        Path file = tmp.resolve("backup.snap");
        try (NodeStorage a = NodeStorage.open(tmp.resolve("a"), OPTIONS)) {
            fillSource(a, 120);
            save(a, a.snapshots().create().join(), file);
        }
        Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(tmp.resolve("busy/leftover"), "x");
        assertThatThrownBy(() -> SnapshotRestore.restore(file, tmp.resolve("busy"), 11))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not empty");
        assertThatThrownBy(() -> SnapshotRestore.restore(file, tmp.resolve("reuse"), 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fresh member ids");
        assertThat(tmp.resolve("reuse")).doesNotExist();

        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x40;
        Path damaged = tmp.resolve("damaged.snap");
        Files.write(damaged, bytes);
        assertThatThrownBy(() -> SnapshotRestore.inspect(damaged, tmp.resolve("scratch")))
                .isInstanceOf(SnapshotRestore.InvalidSnapshotException.class)
                .hasMessageContaining("does not verify");
        assertThatThrownBy(() -> SnapshotRestore.restore(damaged, tmp.resolve("d"), 11))
                .isInstanceOf(SnapshotRestore.InvalidSnapshotException.class)
                .hasMessageContaining("does not verify");
        assertThatThrownBy(() -> NodeStorage.open(tmp.resolve("d"), OPTIONS))
                .as("a node never starts over an interrupted restore, nor creates an empty cluster there")
                .isInstanceOf(StorageCorruptedException.class)
                .hasMessageContaining("did not complete");
        assertThat(tmp.resolve("d/storage")).doesNotExist();
    }

    @Test
    void forceNewClusterKeepsEveryEntryOfTheSurvivorsLogAndOnlyItselfAsVoter() throws IOException {
        Path dir = tmp.resolve("survivor");
        long last;
        StateHash before;
        try (NodeStorage s = NodeStorage.open(dir, OPTIONS)) {
            long applied = fillSource(s, 120);
            s.snapshots().create().join();
            // A tail the survivor holds but never applied: committed (acknowledged) and beyond its
            // commit index, with a configuration change (adding member 4) among it.
            List<Entry> tail = new ArrayList<>(puts(applied + 1, 10, "t"));
            tail.add(new Entry(2, applied + 11, EntryType.CONF_CHANGE, new byte[0]));
            tail.addAll(puts(applied + 12, 5, "u"));
            last = applied + 16;
            s.raftLog().persist(new HardState(5, 2, applied + 6), tail, null).join();
            before = s.stateMachine().stateHash();
        }
        SnapshotRestore.Restored r = SnapshotRestore.forceNewCluster(dir, 1, OPTIONS);
        assertThat(r.index()).isEqualTo(last);
        assertThat(r.term()).isEqualTo(5);
        assertThat(r.keptAt()).exists();
        try (NodeStorage s = NodeStorage.open(dir, OPTIONS)) {
            assertThat(s.stateMachine().appliedIndex()).isEqualTo(last);
            assertThat(s.stateMachine().confState()).isEqualTo(new ConfState(Set.of(1L), Set.of()));
            assertThat(s.raftLog().hardState()).isEqualTo(new HardState(5, 0, last));
            assertThat(value(s, "k2")).isEqualTo("k2");
            assertThat(value(s, "t" + (last - 15))).isEqualTo("t" + (last - 15));
            assertThat(value(s, "u" + last)).isEqualTo("u" + last);
            assertThat(s.stateMachine().stateHash()).isNotEqualTo(before);
        }
        Files.createDirectories(tmp.resolve("old"));
        Files.move(r.keptAt(), tmp.resolve("old/storage"));
        try (NodeStorage old = NodeStorage.open(tmp.resolve("old"), OPTIONS)) {
            assertThat(old.stateMachine().stateHash())
                    .as("the previous storage is kept intact")
                    .isEqualTo(before);
            assertThat(old.stateMachine().confState()).isEqualTo(THREE);
        }
    }

    @Test
    void forceNewClusterRefusesAnEmptyDirectory() {
        assertThatThrownBy(() -> SnapshotRestore.forceNewCluster(tmp.resolve("none"), 1, OPTIONS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nothing to recover from");
    }
}
