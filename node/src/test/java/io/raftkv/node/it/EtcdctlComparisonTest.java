package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The same etcdctl commands (Debian's etcd-client 3.4) against three RaftKV node processes and
 * against a real three-member etcd 3.4 (Debian's etcd-server), in one test; the normalized outputs
 * must be equal ({@link EtcdctlOutput} says how revisions and identities are normalized). etcdctl
 * is given every RaftKV endpoint, so writes that land on a follower go through its forwarding.
 * The whole transcript, with both systems' normalized outputs per command, is written to
 * {@code target/etcdctl-comparison.md}.
 */
@ExtendWith(DumpLogsOnFailure.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EtcdctlComparisonTest {
    private static LocalCluster raftkv;
    private static EtcdProcesses etcd;

    @BeforeAll
    static void start() throws Exception {
        raftkv = LocalCluster.start("etcdctl", 3, List.of());
        etcd = EtcdProcesses.start("etcdctl", 3);
    }

    @AfterAll
    static void stop() throws Exception {
        if (etcd != null) {
            etcd.close();
        }
        if (raftkv != null) {
            raftkv.close();
        }
    }

    /** One system under test: its endpoints and its revision ranks. */
    private record Side(String name, List<String> endpoints, EtcdctlOutput out, Path dir) {
        Etcdctl.Result run(List<String> args, String stdin) {
            return Etcdctl.run(endpoints, args, stdin);
        }
    }

    /** How a step's output is compared. */
    private enum Kind {
        TEXT,
        JSON,
        WRITE_JSON,
        MEMBERS,
        HEALTH,
        STATUS,
        ERROR,
        SNAPSHOT
    }

    private record Step(Kind kind, List<String> args, String stdin) {}

    private static Step step(Kind kind, String... args) {
        return new Step(kind, List.of(args), null);
    }

    private static Step txn(Kind kind, String script, String... args) {
        List<String> a = new ArrayList<>(List.of("txn"));
        a.addAll(List.of(args));
        return new Step(kind, a, script);
    }

    @Test
    void etcdctlSeesTheSameAnswersFromRaftKvAndEtcd() throws Exception {
        List<Step> steps = List.of(
                step(Kind.WRITE_JSON, "put", "-w", "json", "k1", "v1"),
                step(Kind.WRITE_JSON, "put", "-w", "json", "k2", "v2"),
                step(Kind.WRITE_JSON, "put", "-w", "json", "k3", "v3"),
                step(Kind.WRITE_JSON, "put", "-w", "json", "other/x", "y"),
                step(Kind.TEXT, "get", "k1"),
                step(Kind.JSON, "get", "--prefix", "k", "-w", "json"),
                step(Kind.TEXT, "get", "--prefix", "k", "--keys-only"),
                step(Kind.JSON, "get", "--prefix", "k", "--limit", "2", "-w", "json"),
                step(Kind.TEXT, "get", "--from-key", "k2"),
                step(Kind.TEXT, "get", "--prefix", "k", "--sort-by=VALUE", "--order=DESCEND"),
                step(Kind.TEXT, "get", "--prefix", "k", "--print-value-only", "--consistency=s"),
                step(Kind.WRITE_JSON, "put", "-w", "json", "--prev-kv", "k1", "v1b"),
                step(Kind.WRITE_JSON, "del", "-w", "json", "--prev-kv", "k2"),
                step(Kind.TEXT, "del", "k2"),
                txn(Kind.WRITE_JSON, "value(\"k1\") = \"v1b\"\n\nput k4 v4\nget k1\n\nget k1\n\n", "-w", "json"),
                txn(Kind.WRITE_JSON, "create(\"k9\") = \"0\"\n\nput k9 v9\n\nget k9\n\n", "-w", "json"),
                txn(Kind.TEXT, "create(\"k9\") = \"0\"\n\nput k9 again\n\nget k9\n\n"),
                txn(Kind.TEXT, "value(\"k1\") = \"nope\"\n\nput k5 v5\n\nget k3\n\n"),
                txn(Kind.ERROR, "\n\nput k6 a\nput k6 b\n\n\n"),
                step(Kind.ERROR, "get", "k1", "--rev=99999999"),
                step(Kind.ERROR, "put", "k7", "v", "--lease=1234abcd"),
                step(Kind.JSON, "get", "", "--prefix", "-w", "json"),
                step(Kind.MEMBERS, "member", "list"),
                step(Kind.HEALTH, "endpoint", "health"),
                step(Kind.STATUS, "endpoint", "status", "-w", "json"),
                step(Kind.SNAPSHOT, "snapshot", "save"));

        Side r = new Side(
                "RaftKV",
                raftkv.nodes().stream().map(NodeProcess::clientAddress).toList(),
                new EtcdctlOutput(),
                raftkv.root);
        Side e = new Side("etcd", etcd.endpoints(), new EtcdctlOutput(), etcd.root);
        StringBuilder report = new StringBuilder("# etcdctl against RaftKV and etcd\n\n"
                + "etcdctl " + version() + "; RaftKV: 3 node processes, etcd: 3 members (Debian etcd-server).\n\n"
                + "| command | RaftKV (normalized) | etcd (normalized) | same |\n|---|---|---|---|\n");
        List<String> differences = new ArrayList<>();
        int i = 0;
        for (Step s : steps) {
            i++;
            String rOut = outcome(r, s, i);
            String eOut = outcome(e, s, i);
            boolean same = rOut.equals(eOut);
            report.append("| `etcdctl ")
                    .append(String.join(" ", s.args()).replace("|", "\\|"))
                    .append(
                            s.stdin() == null
                                    ? ""
                                    : " <<< " + s.stdin().replace("\n", "⏎").replace("|", "\\|"))
                    .append("` | ")
                    .append(cell(rOut))
                    .append(" | ")
                    .append(cell(eOut))
                    .append(" | ")
                    .append(same ? "yes" : "**no**")
                    .append(" |\n");
            if (!same) {
                differences.add("step " + i + " " + s.args() + ":\n  RaftKV: " + rOut + "\n  etcd:   " + eOut);
            }
        }
        Path file = LocalCluster.buildDir().resolve("etcdctl-comparison.md");
        Files.writeString(file, report, StandardCharsets.UTF_8);
        assertThat(differences)
                .as("etcdctl outputs that differ (full table in " + file + ")")
                .isEmpty();
    }

    /** Runs one step on one side and returns its normalized outcome. */
    private static String outcome(Side side, Step s, int index) {
        List<String> args = new ArrayList<>(s.args());
        Path snapshot = side.dir().resolve("snapshot-" + index + ".db");
        if (s.kind() == Kind.SNAPSHOT) {
            args.add(snapshot.toString());
        }
        Etcdctl.Result res = runRetryingNoLeader(side, args, s);
        if (s.kind() == Kind.ERROR) {
            String last = res.err()
                    .lines()
                    .filter(l -> l.startsWith("Error:"))
                    .reduce((a, b) -> b)
                    .orElse(res.err());
            return "exit " + res.exitCode() + ": " + last;
        }
        if (res.exitCode() != 0) {
            return "exit " + res.exitCode() + ": "
                    + res.err()
                            .lines()
                            .filter(l -> l.startsWith("Error:"))
                            .reduce((a, b) -> b)
                            .orElse(res.err().strip());
        }
        BiFunction<EtcdctlOutput, String, String> f = switch (s.kind()) {
            case TEXT -> (o, out) -> out.strip();
            case JSON -> EtcdctlOutput::json;
            case WRITE_JSON ->
                (o, out) -> {
                    o.sawWrite(out);
                    return o.json(out);
                };
            case MEMBERS -> (o, out) -> EtcdctlOutput.members(out);
            case HEALTH ->
                (o, out) -> {
                    res.err()
                            .lines()
                            .filter(l -> l.startsWith("{\"level\":"))
                            .forEach(l -> System.out.println(side.name() + ": etcdctl logged " + l));
                    return EtcdctlOutput.health(out + res.err());
                };
            case STATUS -> (o, out) -> EtcdctlOutput.status(out);
            case SNAPSHOT ->
                (o, out) -> out.replace(snapshot.toString(), "<file>").strip()
                        + (Files.isRegularFile(snapshot) ? " (file present)" : " (no file)");
            case ERROR -> throw new IllegalStateException();
        };
        return f.apply(side.out(), res.out());
    }

    /**
     * Runs the step, again (up to 5 times) while it fails with etcd's {@code no leader}: the call was
     * refused before it was proposed, so repeating it is safe, and an election on a loaded machine
     * must not read as a difference between the systems.
     */
    private static Etcdctl.Result runRetryingNoLeader(Side side, List<String> args, Step s) {
        List<String> endpoints = s.kind() == Kind.SNAPSHOT ? side.endpoints().subList(0, 1) : side.endpoints();
        Etcdctl.Result res = Etcdctl.run(endpoints, args, s.stdin());
        for (int attempt = 1;
                attempt < 5 && res.exitCode() != 0 && res.err().contains("etcdserver: no leader");
                attempt++) {
            System.out.println(side.name() + ": " + args + " answered no leader; waiting for one and running it again");
            if (side.name().equals("RaftKV")) {
                raftkv.awaitLeader();
            }
            res = Etcdctl.run(endpoints, args, s.stdin());
        }
        return res;
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", "<br>");
    }

    private static String version() {
        return Etcdctl.run(List.of("127.0.0.1:1"), List.of("version"), null)
                .out()
                .lines()
                .findFirst()
                .orElse("?");
    }
}
