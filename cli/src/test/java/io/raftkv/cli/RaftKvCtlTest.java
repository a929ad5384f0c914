package io.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.fake.FakeCluster;
import io.raftkv.api.fake.FakeNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** raftkvctl end to end against the in-process {@link FakeCluster}: parsing, output, exit codes. */
class RaftKvCtlTest {
    private static FakeCluster cluster;

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
        JsonObject json() {
            return new JsonObject(out);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        cluster = FakeCluster.start(3);
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    @BeforeEach
    void leaderIsNodeOne() {
        cluster.makeLeader(cluster.node(1));
    }

    private static Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = RaftKvCtl.run(args, new PrintWriter(out), new PrintWriter(err), env);
        return new Result(code, out.toString(), err.toString());
    }

    private static Result ctl(String... args) {
        List<String> all = new ArrayList<>(List.of("--endpoints", cluster.endpoints()));
        all.addAll(List.of(args));
        return run(Map.of(), all.toArray(String[]::new));
    }

    @Test
    void putThenGetPrintsATable() {
        Result put = ctl("put", "greeting", "hello world");
        assertThat(put.exit()).isZero();
        assertThat(put.out()).startsWith("OK mod_revision=");

        Result get = ctl("get", "greeting");
        assertThat(get.exit()).isZero();
        List<String> lines = get.out().lines().toList();
        assertThat(lines.get(0)).matches("KEY +VALUE +VERSION +CREATE_REVISION +MOD_REVISION");
        assertThat(lines.get(1)).startsWith("greeting  hello world  1");

        assertThat(ctl("get", "greeting", "--value-only").out()).isEqualTo("hello world\n");
    }

    @Test
    void getAsJsonAndMissingKeyExitsWithNotFound() {
        ctl("put", "j", "v");
        JsonObject j =
                ctl("get", "j", "-o", "json", "--consistency", "serializable").json();
        assertThat(j.getString("key")).isEqualTo("j");
        assertThat(j.getString("value")).isEqualTo("v");
        assertThat(j.getBoolean("found")).isTrue();

        Result missing = ctl("get", "no-such-key");
        assertThat(missing.exit()).isEqualTo(ExitCode.NOT_FOUND.code()).isEqualTo(3);
        assertThat(missing.out()).isEqualTo("key not found: no-such-key\n");
        assertThat(ctl("-o", "JSON", "get", "no-such-key").json().getBoolean("found"))
                .isFalse();
    }

    @Test
    void scanByPrefixAndByIntervalWithLimit() {
        for (String k : List.of("scan/a", "scan/b", "scan/c", "scan0")) {
            ctl("put", k, "v-" + k);
        }
        Result limited = ctl("scan", "--prefix", "scan/", "--limit", "2");
        assertThat(limited.out().lines().toList()).hasSize(4).last().isEqualTo("(more keys: continue after 'scan/b')");

        JsonObject j = ctl("scan", "--from", "scan/b", "--to", "scan0", "-o", "json", "--keys-only")
                .json();
        JsonArray kvs = j.getJsonArray("kvs");
        assertThat(kvs.stream().map(o -> ((JsonObject) o).getString("key"))).containsExactly("scan/b", "scan/c");
        assertThat(kvs.getJsonObject(0).containsKey("value")).isFalse();
        assertThat(j.getBoolean("more")).isFalse();
    }

    @Test
    void badCommandLinesExitWithUsageAndSayWhy() {
        Result both = ctl("scan", "--prefix", "a", "--from", "b");
        assertThat(both.exit()).isEqualTo(ExitCode.USAGE.code()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");

        Result inverted = ctl("scan", "--from", "z", "--to", "a");
        assertThat(inverted.exit()).isEqualTo(2);
        assertThat(inverted.err()).contains("--from 'z' is after --to 'a'");

        Result timeout = ctl("--timeout", "5parsecs", "get", "k");
        assertThat(timeout.exit()).isEqualTo(2);
        assertThat(timeout.err()).contains("'5parsecs' is not a duration");

        Result endpoint = run(Map.of(), "--endpoints", "localhost", "get", "k");
        assertThat(endpoint.exit()).isEqualTo(2);
        assertThat(endpoint.err()).contains("endpoint 'localhost' is not host:port");

        Result consistency = ctl("get", "k", "--consistency", "eventual");
        assertThat(consistency.exit()).isEqualTo(2);

        Result noCommand = ctl();
        assertThat(noCommand.exit()).isEqualTo(2);
        assertThat(noCommand.err()).contains("a command is required");
    }

    @Test
    void endpointsComeFromTheEnvironmentWhenNoFlagIsGiven() {
        Result r = run(Map.of("RAFTKV_ENDPOINTS", cluster.endpoints()), "put", "from-env", "1");
        assertThat(r.exit()).isZero();
        assertThat(cluster.store().peek("from-env")).isNotNull();
    }

    @Test
    void serverErrorsMapToDistinctExitCodes() {
        Result empty = ctl("put", "", "v");
        assertThat(empty.exit()).isEqualTo(ExitCode.INVALID_ARGUMENT.code()).isEqualTo(4);
        assertThat(empty.err()).isEqualTo("raftkvctl: INVALID_ARGUMENT/INVALID_REQUEST: key must not be empty\n");

        cluster.makeLeader(null);
        // A deadline long enough for the client to use up its attempts (~1.3 s of backoff): a short
        // one could expire during the last attempt and end the call DEADLINE_EXCEEDED instead.
        Result noLeader = ctl("--timeout", "10s", "put", "k", "v");
        assertThat(noLeader.exit()).isEqualTo(ExitCode.UNAVAILABLE.code()).isEqualTo(5);
        assertThat(noLeader.err()).contains("UNAVAILABLE/NO_LEADER").contains("endpoints tried:");
    }

    @Test
    void unreachableClusterExitsUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Result r = run(Map.of(), "--endpoints", "127.0.0.1:" + closedPort, "--timeout", "300ms", "get", "k");
        assertThat(r.exit()).isEqualTo(5);
        assertThat(r.err()).contains("cannot connect to 127.0.0.1:" + closedPort);
    }

    @Test
    void followsTheLeaderHintFromAFollower() {
        cluster.makeLeader(cluster.node(2));
        Result r = run(Map.of(), "--endpoints", cluster.endpoints(cluster.node(3)), "put", "via-follower", "x");
        assertThat(r.exit()).isZero();
        assertThat(cluster.store().peek("via-follower").getValue().toStringUtf8())
                .isEqualTo("x");
    }

    @Test
    void statusShowsEveryEndpointAndFlagsTheUnreachableOne() {
        Result ok = ctl("status");
        assertThat(ok.exit()).isZero();
        List<String> lines = ok.out().lines().toList();
        assertThat(lines.get(0)).startsWith("ENDPOINT").contains("ROLE", "TERM", "LEADER", "COMMIT", "APPLIED");
        assertThat(lines).hasSize(4);
        assertThat(lines.get(1)).contains(" leader ");
        assertThat(lines.get(2)).contains(" follower ");

        // Exactly the retry budget's attempts fail, within a deadline far longer than their
        // backoffs: the call ends UNAVAILABLE after its last attempt, never by the deadline (a
        // 200 ms deadline raced the attempts on a loaded machine and ended DEADLINE_EXCEEDED).
        for (int i = 0; i < io.raftkv.api.client.RetryPolicy.DEFAULT.maxAttempts(); i++) {
            cluster.node(3).script("Status", new FakeNode.Fail(RaftKvException.of(GrpcStatus.UNAVAILABLE, "stopping")));
        }
        Result partial = ctl("--timeout", "20s", "status", "-o", "json");
        assertThat(partial.exit()).isEqualTo(5);
        JsonArray rows = new JsonArray(partial.out());
        assertThat(rows.getJsonObject(0).getJsonObject("status").getString("role"))
                .isEqualTo("leader");
        assertThat(rows.getJsonObject(2).getJsonObject("error").getString("status"))
                .isEqualTo("UNAVAILABLE");
    }

    @Test
    void membershipCommands() {
        Result added =
                ctl("members", "add-learner", "--peer-address", "10.0.0.9:9091", "--client-address", "10.0.0.9:9090");
        assertThat(added.exit()).isZero();
        assertThat(added.out())
                .startsWith("added learner 4\n")
                .containsPattern("\n4 +learner +10\\.0\\.0\\.9:9091 +10\\.0\\.0\\.9:9090\n");

        assertThat(ctl("members", "promote", "4").out()).containsPattern("\n4 +voter +10\\.0\\.0\\.9:9091");
        JsonObject list = ctl("members", "list", "-o", "json").json();
        assertThat(list.getJsonArray("members")).hasSize(4);
        assertThat(ctl("members", "remove", "4").exit()).isZero();

        Result unknown = ctl("members", "remove", "42");
        assertThat(unknown.exit()).isEqualTo(ExitCode.NOT_FOUND.code());
        assertThat(unknown.err()).contains("NOT_FOUND/UNKNOWN_MEMBER: no member with id 42");

        assertThat(ctl("members", "add-learner", "--peer-address", "nope").exit())
                .isEqualTo(2);
        assertThat(ctl("members").exit()).isEqualTo(2);
    }

    @Test
    void transferLeader() {
        Result r = ctl("transfer-leader", "2");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("leader is now 2 at " + cluster.node(2).endpoint() + "\n");
        assertThat(cluster.leader()).isSameAs(cluster.node(2));

        assertThat(ctl("transfer-leader", "x").exit()).isEqualTo(2);
        assertThat(ctl("transfer-leader", "0").err()).contains("use 'any'");
    }

    @Test
    void snapshotSaveWritesAVerifiedFileOrFailsWithDataLoss() throws Exception {
        ctl("put", "snap-key", "snap-value");
        Path file = dir.resolve("backup.db");
        Result ok = ctl("snapshot", "save", file.toString(), "-o", "json");
        assertThat(ok.exit()).isZero();
        assertThat(ok.json().getLong("bytes")).isEqualTo(Files.size(file)).isPositive();
        assertThat(ok.json().getString("source"))
                .as("taken from a follower, not the leader (node 1)")
                .isNotEqualTo(cluster.node(1).endpoint().toString());

        cluster.node(1).corruptSnapshot(true);
        try {
            Result bad = ctl(
                    "snapshot",
                    "save",
                    dir.resolve("bad.db").toString(),
                    "--from-endpoint",
                    cluster.node(1).endpoint().toString());
            assertThat(bad.exit()).isEqualTo(ExitCode.DATA_LOSS.code()).isEqualTo(10);
            assertThat(bad.err()).contains("CRC-32C mismatch");
            assertThat(dir.resolve("bad.db")).doesNotExist();
        } finally {
            cluster.node(1).corruptSnapshot(false);
        }
    }

    @Test
    void exitCodesForEveryStatusAreDistinctWhereScriptsNeedThem() {
        assertThat(ExitCode.of(RaftKvException.of(ErrorReason.PROPOSAL_ABORTED, "x")))
                .isEqualTo(ExitCode.OUTCOME_UNKNOWN);
        assertThat(ExitCode.of(RaftKvException.of(ErrorReason.OVERLOADED, "x"))).isEqualTo(ExitCode.BUSY);
        assertThat(ExitCode.of(RaftKvException.of(ErrorReason.LEARNER_NOT_CAUGHT_UP, "x")))
                .isEqualTo(ExitCode.REJECTED);
        assertThat(ExitCode.of(RaftKvException.notLeader(2, "h:1"))).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(ExitCode.of(RaftKvException.local(GrpcStatus.UNAVAILABLE, "lost", true, null)))
                .isEqualTo(ExitCode.OUTCOME_UNKNOWN);
        assertThat(ExitCode.of(RaftKvException.local(GrpcStatus.DEADLINE_EXCEEDED, "slow", true, null)))
                .isEqualTo(ExitCode.TIMEOUT);
        assertThat(java.util.Arrays.stream(ExitCode.values())
                        .map(ExitCode::code)
                        .distinct()
                        .count())
                .isEqualTo(ExitCode.values().length);
    }

    @Test
    void txnRunsOneBranchAndPrintsEachResult() {
        ctl("put", "txn/a", "1");
        Result ok = ctl(
                "txn",
                "--if",
                "txn/a = 1",
                "--if",
                "txn/b absent",
                "--then",
                "put txn/b two words",
                "--then",
                "get txn/a",
                "--else",
                "del txn/a");
        assertThat(ok.exit()).isZero();
        assertThat(ok.out().lines().toList()).containsExactly("SUCCESS", "put txn/b OK", "get txn/a = 1");
        JsonObject failed = ctl(
                        "txn", "--if", "txn/b absent", "--then", "del txn/a", "--else", "get txn/b", "-o", "json")
                .json();
        assertThat(failed.getBoolean("succeeded")).isFalse();
        assertThat(failed.getJsonArray("results")
                        .getJsonObject(0)
                        .getJsonObject("get")
                        .getString("value"))
                .isEqualTo("two words");
        Result bad = ctl("txn", "--if", "txn/a ~ 1");
        assertThat(bad.exit()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bad.err()).contains("is not 'KEY = VALUE', 'KEY absent' or 'KEY mod=N'");
        assertThat(ctl("txn", "--then", "put").err()).contains("is not 'put KEY VALUE [lease=HEX]'");
    }

    @Test
    void deleteByAnEmptyPrefixIsRefusedLocally() {
        // del --prefix itself runs against a real node in RaftKvCtlNodeTest (the fake has no range delete)
        Result empty = ctl("del", "--prefix", "");
        assertThat(empty.exit()).isEqualTo(ExitCode.USAGE.code());
        assertThat(empty.err()).contains("non-empty prefix");
    }

    @Test
    void leaseIdsAreHexadecimalAndBadOnesAreUsageErrors() {
        Result bad = ctl("lease", "revoke", "xyz");
        assertThat(bad.exit()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bad.err()).contains("lease id must be a positive hexadecimal number, got 'xyz'");
        assertThat(LeaseCommand.parseId("ff")).isEqualTo(255);
        assertThat(LeaseCommand.hex(255)).isEqualTo("ff");
    }

    @Test
    void alarmListAndDisarmPrintEtcdctlLinesAndNoSpaceExits12() {
        assertThat(ctl("alarm", "list").out()).isEmpty();
        cluster.store().raiseAlarm(io.raftkv.api.v1.AlarmType.NOSPACE, 2);
        try {
            Result list = ctl("alarm", "list");
            assertThat(list.exit()).isZero();
            assertThat(list.out()).isEqualTo("memberID:2, alarm:NOSPACE\n");
            assertThat(ctl("-o", "json", "alarm", "list").out())
                    .contains("\"member_id\" : \"2\"", "\"type\" : \"NOSPACE\"");

            Result refused = ctl("put", "k-alarm", "v");
            assertThat(refused.exit()).isEqualTo(ExitCode.NO_SPACE.code()).isEqualTo(12);
            assertThat(refused.err()).contains("RESOURCE_EXHAUSTED/NO_SPACE");

            assertThat(ctl("alarm", "disarm", "--type", "bogus").exit()).isEqualTo(ExitCode.USAGE.code());
            assertThat(ctl("alarm", "disarm", "--member", "3").out()).isEmpty();
            Result disarm = ctl("alarm", "disarm", "--type", "nospace");
            assertThat(disarm.exit()).isZero();
            assertThat(disarm.out()).isEqualTo("memberID:2, alarm:NOSPACE\n");
            assertThat(ctl("alarm", "list").out()).isEmpty();
            assertThat(ctl("put", "k-alarm", "v").exit()).isZero();
        } finally {
            cluster.store().disarm(io.raftkv.api.v1.AlarmDisarmRequest.getDefaultInstance());
        }
    }
}
