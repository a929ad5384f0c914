package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A non-Java gRPC client against the client port: grpc-js (npm {@code @grpc/grpc-js}, installed by
 * this test with {@code npm ci} from the lock file in {@code src/test/interop/grpc-js}) makes one
 * round trip of each KV method against a real state machine, then sends requests the node refuses,
 * and the status messages it reads must be exactly the node's: the gRPC spec percent-encodes only
 * bytes outside printable ASCII (and {@code %}), so {@code ,} or {@code "} arrive as sent and
 * {@code ≥} arrives decoded from UTF-8.
 */
class GrpcJsInteropTest {
    private static final Path SOURCE = Path.of("src/test/interop/grpc-js");
    private static final Path WORK = Path.of("target/grpc-js-interop");
    private static final Path PROTOS = Path.of("../api/src/main/proto");

    @TempDir
    Path dir;

    private NodeStorage storage;
    private ClientServerFixture f;
    private long nextIndex = 1;

    @BeforeEach
    void start() {
        storage = NodeStorage.open(dir, StorageOptions.defaults());
        f = new ClientServerFixture(
                ServerLimits.defaults().withSizes(64, 16, 1024), KvReader.of(storage::stateMachine));
        f.node.onPropose = this::applyNow;
    }

    @AfterEach
    void stop() {
        f.close();
        storage.close();
    }

    /** Appends {@code c} at the next index and applies it: the single-node path of the driver. */
    private synchronized Future<io.raftkv.node.kv.ApplyResult> applyNow(Command c) {
        Entry e = new Entry(1, nextIndex++, EntryType.NORMAL, CommandCodec.encode(c));
        storage.raftLog()
                .persist(new HardState(1, 1, e.index()), List.of(e), null)
                .join();
        return Future.succeededFuture(
                storage.stateMachine().apply(List.of(e), Map.of()).join().get(0));
    }

    @Test
    void grpcJsMakesEachCallAndReadsStatusMessagesAsSent() throws Exception {
        installGrpcJs();
        String out = run(
                WORK,
                60,
                "node",
                "interop.js",
                "127.0.0.1:" + f.server.port(),
                PROTOS.toAbsolutePath().normalize().toString());
        JsonObject seen = new JsonObject(out.lines().reduce((a, b) -> b).orElseThrow());

        assertThat(seen.getJsonObject("put").getInteger("code")).isZero();
        assertThat(seen.getJsonObject("get").getString("value")).isEqualTo("1");
        assertThat(seen.getJsonObject("compareAndSet").getBoolean("succeeded")).isTrue();
        assertThat(seen.getJsonObject("txn").getBoolean("succeeded")).isTrue();
        assertThat(seen.getJsonObject("txn").getInteger("results")).isEqualTo(2);
        assertThat(seen.getJsonObject("range").getJsonArray("keys").getList())
                .containsExactly("interop/a", "interop/b");
        assertThat(seen.getJsonObject("delete").getInteger("deleted")).isEqualTo(1);
        assertThat(seen.getJsonObject("pipeline").getInteger("code")).isZero();
        assertThat(seen.getJsonObject("pipeline").getJsonArray("ids").getList()).containsExactly("7");
        assertThat(seen.getJsonObject("pipeline").getString("value")).isEqualTo("2");

        JsonObject errors = seen.getJsonObject("errors");
        assertError(errors, "emptyKey", "key must not be empty");
        assertError(errors, "valueTooLarge", "value is 17 bytes, more than the limit of 16 (maxValueBytes)");
        assertError(
                errors,
                "invertedRange",
                "inverted range: interval.start must sort before interval.end (an empty end means \"to the last key\")");
        assertError(errors, "nonAscii", "compare.mod_index must be ≥ 1 for target MOD_INDEX, got 0");
    }

    private static void assertError(JsonObject errors, String name, String message) {
        JsonObject e = errors.getJsonObject(name);
        assertThat(e.getInteger("code")).as(name + " code").isEqualTo(3); // INVALID_ARGUMENT
        assertThat(e.getString("details")).as(name + " message").isEqualTo(message);
        assertThat(e.getString("reason")).as(name + " reason").isEqualTo("INVALID_REQUEST");
    }

    /** Copies the client's package files to target/ and installs them from the lock file once per build. */
    private static void installGrpcJs() throws Exception {
        Files.createDirectories(WORK);
        for (String name : List.of("package.json", "package-lock.json", "interop.js")) {
            Files.copy(SOURCE.resolve(name), WORK.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(WORK.resolve("node_modules/@grpc/grpc-js"))) {
            run(WORK, 300, "npm", "ci", "--no-audit", "--no-fund");
        }
    }

    private static String run(Path cwd, int timeoutSeconds, String... command) throws Exception {
        Path log = Files.createTempFile("interop", ".log");
        Process p = new ProcessBuilder(command)
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean exited = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly();
        }
        String out = read(log);
        assertThat(exited && p.exitValue() == 0)
                .as(String.join(" ", command) + " failed:\n" + out)
                .isTrue();
        return out;
    }

    private static String read(Path log) throws IOException {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
