package io.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.raft.SnapshotMetadata;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code raftkvctl snapshot status} and {@code snapshot restore} on a real snapshot file, offline. */
class SnapshotRestoreCommandTest {
    @TempDir
    Path tmp;

    private Path file;
    private SnapshotMetadata meta;

    record Result(int exit, String out, String err) {}

    private static Result ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = RaftKvCtl.run(args, new PrintWriter(out), new PrintWriter(err), Map.of());
        return new Result(code, out.toString(), err.toString());
    }

    /** A snapshot of a three-member cluster holding keys k2..k101, written as `snapshot save` writes it. */
    @BeforeEach
    void snapshotFile() throws Exception {
        file = tmp.resolve("backup.snap");
        meta = TestSnapshots.write(tmp.resolve("source"), file, 100, i -> ("v" + i).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void statusVerifiesAndDescribesTheFile() {
        Result r = ctl("-o", "json", "snapshot", "status", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonObject j = new JsonObject(r.out());
        assertThat(j.getLong("index")).isEqualTo(101L);
        assertThat(j.getLong("term")).isEqualTo(2L);
        assertThat(j.getJsonArray("members").stream().map(Object::toString)).containsExactly("1", "2", "3");
        assertThat(j.getString("sha256")).hasSize(64);
        assertThat(j.getString("stateHash")).isNotEmpty();

        Result text = ctl("snapshot", "status", file.toString());
        assertThat(text.out())
                .contains("valid RaftKV snapshot")
                .contains("index 101")
                .contains("members [1, 2, 3]");
    }

    @Test
    void restoreCreatesAFreshMembersDataDirectoryWithTheSameData() throws Exception {
        Path dir = tmp.resolve("restored");
        Result r = ctl(
                "-o", "json", "snapshot", "restore", file.toString(), "--data-dir", dir.toString(), "--member-id", "7");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonObject j = new JsonObject(r.out());
        assertThat(j.getLong("index")).isEqualTo(101L);
        assertThat(j.getString("sourceStateHash"))
                .isEqualTo(new JsonObject(ctl("-o", "json", "snapshot", "status", file.toString())
                                .out())
                        .getString("stateHash"));
        try (NodeStorage s = NodeStorage.open(dir, StorageOptions.defaults())) {
            assertThat(s.stateMachine().confState().voters()).containsExactly(7L);
            assertThat(new String(
                            s.stateMachine()
                                    .get("k101".getBytes(StandardCharsets.UTF_8))
                                    .orElseThrow()
                                    .value(),
                            StandardCharsets.UTF_8))
                    .isEqualTo("v101");
        }
    }

    @Test
    void refusalsHaveClearMessagesAndExitCodes() throws Exception {
        Result reused = ctl(
                "snapshot",
                "restore",
                file.toString(),
                "--data-dir",
                tmp.resolve("a").toString(),
                "--member-id",
                "2");
        assertThat(reused.exit()).isEqualTo(ExitCode.USAGE.code());
        assertThat(reused.err()).contains("fresh member ids");

        Result busy = ctl(
                "snapshot",
                "restore",
                file.toString(),
                "--data-dir",
                tmp.resolve("source").toString(),
                "--member-id",
                "9");
        assertThat(busy.exit()).isEqualTo(ExitCode.USAGE.code());
        assertThat(busy.err()).contains("not empty");

        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 5] ^= 1;
        Files.write(file, bytes);
        Result damaged = ctl("snapshot", "status", file.toString());
        assertThat(damaged.exit()).isEqualTo(ExitCode.DATA_LOSS.code());
        assertThat(damaged.err()).contains("does not verify");
        Result notRestored = ctl(
                "snapshot",
                "restore",
                file.toString(),
                "--data-dir",
                tmp.resolve("b").toString(),
                "--member-id",
                "9");
        assertThat(notRestored.exit()).isEqualTo(ExitCode.DATA_LOSS.code());
    }
}
