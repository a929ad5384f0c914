package io.raftkv.bench.cluster;

import io.raftkv.bench.suite.ClusterMetrics;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * etcd members on loopback with etcd's default settings (fsync of every commit on, 100 ms
 * heartbeat, 1 s election timeout). Member {@code i} listens for clients on {@code basePort + i}
 * and for peers on {@code basePort + 100 + i}. Status comes from etcd's JSON gateway
 * ({@code POST /v3/maintenance/status}), so the tool needs no etcd client of its own.
 */
public final class EtcdCluster extends LocalCluster {
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(1);

    private final String etcdBinary;
    private final List<String> extraArgs;
    private final int basePort;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(STATUS_TIMEOUT).build();

    /** @param extraArgs extra etcd flags appended to the ones this class sets (e.g. Raft timings) */
    public EtcdCluster(Path runDir, int size, String etcdBinary, List<String> extraArgs, int basePort) {
        super(runDir, size);
        this.etcdBinary = etcdBinary;
        this.extraArgs = List.copyOf(extraArgs);
        this.basePort = basePort;
    }

    @Override
    public String system() {
        return "etcd";
    }

    private int clientPort(int i) {
        return basePort + i;
    }

    private int peerPort(int i) {
        return basePort + 100 + i;
    }

    @Override
    public List<String> clientEndpoints() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            out.add("127.0.0.1:" + clientPort(i));
        }
        return out;
    }

    @Override
    protected List<Integer> ports() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            out.add(clientPort(i));
            out.add(peerPort(i));
        }
        return out;
    }

    @Override
    protected List<String> command(int i) {
        StringBuilder initial = new StringBuilder();
        for (int j = 0; j < size; j++) {
            initial.append(j == 0 ? "" : ",")
                    .append("m")
                    .append(j)
                    .append("=http://127.0.0.1:")
                    .append(peerPort(j));
        }
        String client = "http://127.0.0.1:" + clientPort(i);
        String peer = "http://127.0.0.1:" + peerPort(i);
        List<String> cmd = new ArrayList<>(List.of(
                etcdBinary,
                "--name",
                "m" + i,
                "--data-dir",
                runDir.resolve("m" + i + ".etcd").toString(),
                "--listen-client-urls",
                client,
                "--advertise-client-urls",
                client,
                "--listen-peer-urls",
                peer,
                "--initial-advertise-peer-urls",
                peer,
                "--initial-cluster",
                initial.toString(),
                "--initial-cluster-token",
                "raftkv-bench",
                "--initial-cluster-state",
                "new",
                "--logger",
                "zap",
                "--log-level",
                "warn"));
        cmd.addAll(extraArgs);
        return cmd;
    }

    @Override
    protected Optional<MemberView> status(int i) {
        HttpRequest req = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + clientPort(i) + "/v3/maintenance/status"))
                .timeout(STATUS_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        try {
            HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() != 200) {
                return Optional.empty();
            }
            JsonObject body = new JsonObject(resp.body());
            String self = body.getJsonObject("header", new JsonObject()).getString("member_id", "");
            String leader = body.getString("leader", "");
            return self.isEmpty()
                    ? Optional.empty()
                    : Optional.of(new MemberView(
                            self, "0".equals(leader) ? "" : leader, "etcd " + body.getString("version", "?")));
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** etcd serves /metrics on its client port: its leader-change counter and its WAL fsync histogram. */
    @Override
    public Optional<ClusterMetrics> metrics() {
        return Optional.of(new ClusterMetrics(
                clientEndpoints().stream().map(e -> "http://" + e + "/metrics").toList(),
                new ClusterMetrics.Names(
                        "etcd_server_leader_changes_seen_total", "etcd_disk_wal_fsync_duration_seconds")));
    }
}
