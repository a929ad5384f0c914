package io.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.testkit.RocksDbLibrary;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * raftkvctl's lease, lock, elect and {@code del --prefix} against one real node process (the
 * runnable jar {@code node/target/raftkv-node.jar}, which the reactor packages before this module's
 * tests run; cli/pom.xml passes its path, {@code -Draftkv.node.jar=...} points elsewhere): what the fake cluster cannot answer —
 * leases attached to keys, the server's range delete, and the recipes waiting on Watch.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RaftKvCtlNodeTest {
    private static Process node;
    private static Path nodeDir;
    private static String endpoints;

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
        JsonObject json() {
            return new JsonObject(out);
        }
    }

    /** One raftkvctl invocation running on its own thread, its output readable while it runs. */
    static final class Running {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        final Thread thread;

        Running(String... args) {
            List<String> all = new ArrayList<>(List.of("--endpoints", endpoints));
            all.addAll(List.of(args));
            thread = new Thread(
                    () -> {
                        try {
                            exit.complete(RaftKvCtl.run(
                                    all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err), Map.of()));
                        } catch (Throwable t) {
                            exit.completeExceptionally(t);
                        }
                    },
                    "raftkvctl-" + args[0]);
            thread.start();
        }

        String out() {
            return out.toString();
        }

        int awaitExit() throws Exception {
            return exit.get(60, TimeUnit.SECONDS);
        }
    }

    @BeforeAll
    static void startNode() throws Exception {
        Path jar = NodeJar.path();
        nodeDir = Files.createTempDirectory("raftkvctl-node");
        int client;
        int peer;
        try (ServerSocket a = new ServerSocket(0);
                ServerSocket b = new ServerSocket(0)) {
            client = a.getLocalPort();
            peer = b.getLocalPort();
        }
        endpoints = "127.0.0.1:" + client;
        List<String> cmd = RocksDbLibrary.withLibraryPath(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms64m",
                "-Xmx256m",
                "-XX:+UseG1GC",
                "-XX:MaxGCPauseMillis=20",
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                jar.toString(),
                "--id",
                "1",
                "--cluster-id",
                "ctl",
                "--client-addr",
                endpoints,
                "--peer-addr",
                "127.0.0.1:" + peer,
                "--peers",
                "1=127.0.0.1:" + peer,
                "--peer-client-addrs",
                "1=" + endpoints,
                "--data-dir",
                nodeDir.resolve("data").toString()));
        node = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(nodeDir.resolve("node.log").toFile())
                .start();
        await("the node to lead")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> node.isAlive() && ctl("put", "ready", "1").exit() == 0);
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (node != null) {
            node.destroy();
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    static Result ctl(String... args) {
        List<String> all = new ArrayList<>(List.of("--endpoints", endpoints));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = RaftKvCtl.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err), Map.of());
        return new Result(code, out.toString(), err.toString());
    }

    private static String grant(int ttl) {
        Result g = ctl("-o", "json", "lease", "grant", Integer.toString(ttl));
        assertThat(g.exit()).as(g.err()).isZero();
        return g.json().getString("id");
    }

    @Test
    void leasesAttachKeysShowTheLeaseAndDeleteTheKeysOnRevoke() {
        String id = grant(60);
        long lease = Long.parseUnsignedLong(id, 16);
        assertThat(ctl("put", "--lease", id, "leased/a", "1").exit()).isZero();
        assertThat(ctl("put", "--lease", id, "leased/b", "2").exit()).isZero();

        JsonObject a = ctl("-o", "json", "get", "leased/a").json();
        assertThat(a.getLong("lease")).isEqualTo(lease);
        assertThat(ctl("-o", "json", "scan", "--prefix", "leased/").json().getJsonArray("kvs").stream()
                        .map(o -> ((JsonObject) o).getLong("lease")))
                .containsExactly(lease, lease);
        assertThat(ctl("lease", "list").out()).contains(id);
        assertThat(ctl("lease", "keep-alive", "--once", id).exit()).isZero();
        JsonObject ttl = ctl("-o", "json", "lease", "timetolive", "--keys", id).json();
        assertThat(ttl.getLong("granted_ttl")).isEqualTo(60);
        assertThat(ttl.getJsonArray("keys").getList()).containsExactly("leased/a", "leased/b");

        // An overwrite without a lease detaches the key; one with the lease attaches it again.
        assertThat(ctl("put", "leased/b", "3").exit()).isZero();
        assertThat(ctl("-o", "json", "get", "leased/b").json().containsKey("lease"))
                .isFalse();
        assertThat(ctl("-o", "json", "lease", "timetolive", "--keys", id)
                        .json()
                        .getJsonArray("keys")
                        .getList())
                .containsExactly("leased/a");

        Result revoked = ctl("lease", "revoke", id);
        assertThat(revoked.out()).isEqualTo("lease " + id + " revoked, 1 key(s) deleted\n");
        assertThat(ctl("get", "leased/a").exit()).isEqualTo(ExitCode.NOT_FOUND.code());
        assertThat(ctl("get", "leased/b").exit()).isZero();
        assertThat(ctl("lease", "keep-alive", "--once", id).exit()).isEqualTo(ExitCode.NOT_FOUND.code());

        Result unknown = ctl("put", "--lease", id, "leased/c", "1");
        assertThat(unknown.exit()).isEqualTo(ExitCode.NOT_FOUND.code());
        assertThat(unknown.err()).contains("requested lease not found");
    }

    @Test
    void deleteByPrefixIsOneAtomicServerSideDelete() throws Exception {
        try (RaftKvClient c = RaftKvClient.builder()
                .endpoints(List.of(Endpoint.parse(endpoints)))
                .build()) {
            List<io.vertx.core.Future<?>> puts = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                puts.add(c.put("delp/" + i, "v"));
            }
            io.vertx.core.Future.all(puts)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
        }
        long before = ctl("-o", "json", "put", "delq", "v").json().getLong("mod_revision");
        Result r = ctl("-o", "json", "del", "--prefix", "delp/");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.json().getLong("deleted")).isEqualTo(150);
        // all 150 keys went in one write: one revision
        assertThat(r.json().getJsonObject("header").getLong("revision")).isEqualTo(before + 1);
        assertThat(ctl("-o", "json", "scan", "--prefix", "delp/")
                        .json()
                        .getJsonArray("kvs")
                        .isEmpty())
                .isTrue();
        assertThat(ctl("get", "delq").exit()).isZero();
        assertThat(ctl("del", "--prefix", "delp/").out()).isEqualTo("deleted 0\n");
    }

    /**
     * {@code watch}: from a past revision with prev_kv it prints the history as etcdctl does; from
     * the next revision, in JSON, it prints the changes written while it runs and exits after
     * {@code --max-events}; bad combinations exit 2.
     */
    @Test
    void watchPrintsChangesFromARevisionWithPrevKvAndLiveOnesAsJson() throws Exception {
        long first = ctl("-o", "json", "put", "ctlwatch/a", "1").json().getLong("mod_revision");
        assertThat(ctl("put", "ctlwatch/b", "2").exit()).isZero();
        assertThat(ctl("put", "ctlwatch/a", "3").exit()).isZero();
        assertThat(ctl("del", "ctlwatch/a").exit()).isZero();
        Result history =
                ctl("watch", "--prefix", "ctlwatch/", "--rev", Long.toString(first), "--prev-kv", "--max-events", "4");
        assertThat(history.exit()).as(history.err()).isZero();
        assertThat(history.out())
                .isEqualTo("PUT\nctlwatch/a\n1\n" + "PUT\nctlwatch/b\n2\n" + "PUT\nctlwatch/a\n1\nctlwatch/a\n3\n"
                        + "DELETE\nctlwatch/a\n3\nctlwatch/a\n\n");

        long next = ctl("-o", "json", "put", "ctlwatch/c", "x").json().getLong("mod_revision") + 1;
        Running live =
                new Running("-o", "json", "watch", "ctlwatch/c", "--rev", Long.toString(next), "--max-events", "2");
        assertThat(ctl("put", "ctlwatch/c", "y").exit()).isZero();
        assertThat(ctl("put", "ctlwatch/d", "ignored").exit()).isZero();
        assertThat(ctl("del", "ctlwatch/c").exit()).isZero();
        assertThat(live.awaitExit()).as(live.err.toString()).isZero();
        List<JsonObject> events = live.out().lines().map(JsonObject::new).toList();
        assertThat(events).hasSize(2);
        assertThat(events.get(0).getString("type")).isEqualTo("PUT");
        assertThat(events.get(0).getJsonObject("kv").getString("value")).isEqualTo("y");
        assertThat(events.get(0).getJsonObject("kv").getLong("mod_revision")).isEqualTo(next);
        assertThat(events.get(1).getString("type")).isEqualTo("DELETE");
        assertThat(events.get(1).getJsonObject("kv").getString("key")).isEqualTo("ctlwatch/c");

        assertThat(ctl("watch", "--prefix", "ctlwatch/", "ctlwatch/z").exit()).isEqualTo(ExitCode.USAGE.code());
        assertThat(ctl("watch", "").exit()).isEqualTo(ExitCode.USAGE.code());
    }

    /**
     * Two {@code raftkvctl lock} runs contend: their commands never overlap (each appends start and
     * end lines to one file), the second's token is larger, and a third that can wait only 500 ms
     * while the lock is held gives up with exit 6.
     */
    @Test
    void lockRunsCommandsOneAtATimeWithIncreasingTokens() throws Exception {
        Path log = dir.resolve("sections.log");
        String script = "echo start $RAFTKV_LOCK_TOKEN >> " + log + "; sleep 2; echo end $RAFTKV_LOCK_TOKEN >> " + log;
        Running first = new Running("lock", "--ttl", "5", "ctl-lock", "sh", "-c", script);
        Running second = new Running("lock", "--ttl", "5", "ctl-lock", "sh", "-c", script);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Files.exists(log) || first.exit.isDone() || second.exit.isDone());
        assertThat(log)
                .as(
                        "a holder ran its command; first: %s %s %s, second: %s %s %s",
                        first.exit, first.out(), first.err, second.exit, second.out(), second.err)
                .exists();
        Result impatient = ctl("lock", "--wait", "500ms", "ctl-lock", "true");
        assertThat(impatient.exit()).as(impatient.err()).isEqualTo(ExitCode.TIMEOUT.code());
        assertThat(first.awaitExit()).as(first.err.toString()).isZero();
        assertThat(second.awaitExit()).as(second.err.toString()).isZero();

        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(4);
        String t1 = lines.get(0).substring("start ".length());
        String t2 = lines.get(2).substring("start ".length());
        assertThat(lines).containsExactly("start " + t1, "end " + t1, "start " + t2, "end " + t2);
        assertThat(Long.parseLong(t2)).isGreaterThan(Long.parseLong(t1));
        Pattern printed = Pattern.compile("ctl-lock/[0-9a-f]{16} \\(fencing token (\\d+)\\)\n");
        for (Running r : List.of(first, second)) {
            Matcher m = printed.matcher(r.out());
            assertThat(m.matches()).as(r.out()).isTrue();
            assertThat(m.group(1)).isIn(t1, t2);
        }
        assertThat(ctl("-o", "json", "scan", "--prefix", "ctl-lock/")
                        .json()
                        .getJsonArray("kvs")
                        .isEmpty())
                .as("every lock key released")
                .isTrue();
    }

    /**
     * {@code elect}: the first candidate leads, a second waits, a listener prints the leader; when
     * the leader stops (its lease is revoked on the way out), the second leads and the listener
     * prints it.
     */
    @Test
    void electHandsLeadershipOverWhenTheLeaderStopsAndListenersSeeIt() throws Exception {
        Running alpha = new Running("elect", "--ttl", "5", "ctl-election", "alpha");
        await().atMost(Duration.ofSeconds(30)).until(() -> alpha.out().startsWith("leading ctl-election as 'alpha'"));
        Running listener = new Running("elect", "--listen", "ctl-election");
        await().atMost(Duration.ofSeconds(30)).until(() -> listener.out().equals("alpha\n"));
        Running beta = new Running("elect", "--ttl", "5", "ctl-election", "beta");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ctl("scan", "--prefix", "ctl-election/", "--keys-only")
                                .out()
                                .lines()
                                .count()
                        == 3); // header + both candidates
        assertThat(beta.out()).isEmpty();

        alpha.thread.interrupt();
        alpha.awaitExit();
        await().atMost(Duration.ofSeconds(30)).until(() -> beta.out().startsWith("leading ctl-election as 'beta'"));
        await().atMost(Duration.ofSeconds(30)).until(() -> listener.out().equals("alpha\nbeta\n"));

        beta.thread.interrupt();
        beta.awaitExit();
        await().atMost(Duration.ofSeconds(30)).until(() -> listener.out().equals("alpha\nbeta\n(no leader)\n"));
        listener.thread.interrupt();
        listener.awaitExit();
    }

    static {
        // Keep the node's data out of the way if a run is killed: the temp dir is removed at exit.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (node != null) {
                node.destroyForcibly();
            }
            try {
                if (nodeDir != null) {
                    deleteTree(nodeDir);
                }
            } catch (IOException ignored) {
                // best effort
            }
        }));
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
