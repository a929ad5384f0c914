package io.raftkv.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.SnapshotReader;
import io.raftkv.node.storage.SnapshotRestore;
import io.raftkv.node.storage.StorageOptions;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --restore-from}: once, never over a member's own storage, redone after a crash. */
class RestoreAtStartTest {
    private static final ConfState THREE = new ConfState(Set.of(1L, 2L, 3L), Set.of());

    @TempDir
    Path tmp;

    private Path file;
    private long index;

    @BeforeEach
    void backup() throws IOException {
        file = tmp.resolve("backup.snap");
        try (NodeStorage a = NodeStorage.open(tmp.resolve("a"), StorageOptions.defaults())) {
            List<Entry> es = new ArrayList<>();
            es.add(new Entry(2, 1, EntryType.CONF_CHANGE, new byte[0]));
            for (int i = 2; i <= 40; i++) {
                byte[] k = ("k" + i).getBytes(StandardCharsets.UTF_8);
                es.add(new Entry(2, i, EntryType.NORMAL, CommandCodec.encode(Command.of(new Put(k, k)))));
            }
            a.raftLog().persist(new HardState(2, 1, 40), es, null).join();
            a.stateMachine().apply(es, Map.of(1L, THREE)).join();
            SnapshotMetadata m = a.snapshots().create().join();
            index = m.index();
            try (SnapshotReader r = a.snapshots().openReader(m);
                    OutputStream out = Files.newOutputStream(file)) {
                while (r.hasNext()) {
                    out.write(r.next().bytes());
                }
            }
        }
    }

    @Test
    void restoresOnceBesideThePodsMemberIdFileAndVerifiesTheChecksum() throws IOException {
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("member-id"), "kept");
        assertThatThrownBy(() -> RestoreAtStart.runIfAsked(file, "0".repeat(64), 5_000_000_000L, false, data))
                .isInstanceOfSatisfying(
                        RestoreAtStart.Refused.class, e -> assertThat(e.kind).isEqualTo(RestoreAtStart.Kind.CORRUPT))
                .hasMessageContaining("expected " + "0".repeat(64));
        assertThat(data.resolve("storage")).doesNotExist();

        String sha = RestoreAtStart.sha256Of(file);
        assertThat(RestoreAtStart.runIfAsked(file, sha, 5_000_000_000L, false, data))
                .isTrue();
        assertThat(data.resolve("member-id")).hasContent("kept");
        try (NodeStorage r = NodeStorage.open(data, StorageOptions.defaults())) {
            assertThat(r.stateMachine().appliedIndex()).isEqualTo(index);
            assertThat(r.stateMachine().confState().voters()).containsExactly(5_000_000_000L);
            assertThat(r.stateMachine().get("k40".getBytes(StandardCharsets.UTF_8)))
                    .isPresent();
        }
        // once: a restart with the setting still there starts on what it restored
        assertThat(RestoreAtStart.runIfAsked(file, sha, 5_000_000_000L, false, data))
                .isFalse();
        // a joining member ignores it
        assertThat(RestoreAtStart.runIfAsked(file, "", 7L, true, tmp.resolve("joiner")))
                .isFalse();
        assertThat(tmp.resolve("joiner")).doesNotExist();
    }

    @Test
    void refusesAMembersOwnStorageAndRedoesAnInterruptedRestore() throws IOException {
        assertThatThrownBy(() -> RestoreAtStart.runIfAsked(file, "", 9L, false, tmp.resolve("a")))
                .isInstanceOfSatisfying(
                        RestoreAtStart.Refused.class,
                        e -> assertThat(e.kind.exitCode).isEqualTo(13))
                .hasMessageContaining("refusing to restore over a member's data");
        assertThatThrownBy(() -> RestoreAtStart.runIfAsked(tmp.resolve("nope"), "", 9L, false, tmp.resolve("b")))
                .isInstanceOfSatisfying(
                        RestoreAtStart.Refused.class,
                        e -> assertThat(e.kind.exitCode).isEqualTo(11))
                .hasMessageContaining("no such file");
        // a damaged file (one byte flipped in the middle, no SHA-256 given): refused as corrupt by the
        // snapshot's own checksums, and the volume holds nothing a restart would serve
        Path damaged = tmp.resolve("damaged.snap");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(damaged, bytes);
        Path fresh = tmp.resolve("d");
        assertThatThrownBy(() -> RestoreAtStart.run(damaged, "", 9L, false, fresh))
                .isInstanceOfSatisfying(
                        RestoreAtStart.Refused.class, e -> assertThat(e.kind).isEqualTo(RestoreAtStart.Kind.CORRUPT));
        assertThat(fresh.resolve("storage")).doesNotExist();
        assertThat(fresh.resolve(RestoreAtStart.DONE_FILE)).doesNotExist();

        Path data = tmp.resolve("c");
        Files.createDirectories(data.resolve("storage.init-restore-1"));
        Files.writeString(data.resolve(SnapshotRestore.MARKER), "crashed");
        Files.writeString(data.resolve("member-id"), "kept");
        assertThat(RestoreAtStart.runIfAsked(file, "", 9L, false, data)).isTrue();
        assertThat(data.resolve(SnapshotRestore.MARKER)).doesNotExist();
        assertThat(data.resolve("storage.init-restore-1")).doesNotExist();
        try (NodeStorage r = NodeStorage.open(data, StorageOptions.defaults())) {
            assertThat(r.stateMachine().get("k40".getBytes(StandardCharsets.UTF_8)))
                    .isPresent();
        }
    }
}
