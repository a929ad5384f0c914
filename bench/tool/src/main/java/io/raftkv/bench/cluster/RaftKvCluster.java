package io.raftkv.bench.cluster;

import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.RetryPolicy;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * RaftKV nodes on loopback, each {@code java -jar raftkv-node.jar} with its own RocksDB directory
 * (every commit fsynced: the node has no way to turn that off). Member {@code i} has id
 * {@code i + 1}, client port {@code basePort + i} and peer port {@code basePort + 100 + i}.
 * Status comes from the Cluster service through an admin client without retries.
 */
public final class RaftKvCluster extends LocalCluster {
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(1);

    private final Path nodeJar;
    private final List<String> jvmOptions;
    private final List<String> extraArgs;
    private final int basePort;
    private RaftKvClient admin;

    /**
     * @param jvmOptions options of each node's JVM
     * @param extraArgs  extra node flags appended to the ones this class sets (e.g. Raft timings)
     */
    public RaftKvCluster(Path runDir, int size, Path nodeJar, List<String> jvmOptions, List<String> extraArgs,
                         int basePort) {
        super(runDir, size);
        if (!java.nio.file.Files.isRegularFile(nodeJar)) {
            throw new IllegalArgumentException("node jar " + nodeJar + " does not exist (build the node module first)");
        }
        this.nodeJar = nodeJar;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.extraArgs = List.copyOf(extraArgs);
        this.basePort = basePort;
    }

    @Override
    public String system() {
        return "raftkv";
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
        StringBuilder peers = new StringBuilder();
        StringBuilder clients = new StringBuilder();
        for (int j = 0; j < size; j++) {
            String sep = j == 0 ? "" : ",";
            peers.append(sep).append(j + 1).append("=127.0.0.1:").append(peerPort(j));
            clients.append(sep).append(j + 1).append("=127.0.0.1:").append(clientPort(j));
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", nodeJar.toString(),
                "--id", Integer.toString(i + 1),
                "--client-addr", "127.0.0.1:" + clientPort(i),
                "--peer-addr", "127.0.0.1:" + peerPort(i),
                "--peers", peers.toString(),
                "--peer-client-addrs", clients.toString(),
                "--data-dir", runDir.resolve("n" + (i + 1)).toString(),
                "--log-level", "WARN"));
        cmd.addAll(extraArgs);
        return cmd;
    }

    /**
     * glibc's malloc gives each thread that allocates its own arena (up to 8 per CPU); RocksDB
     * allocates from many threads, and the fragmented arenas cost ~30 MiB of RSS per node in the
     * 1 M-key write benchmark. Two arenas, as the node image and {@code run-local.sh} set too.
     */
    @Override
    protected Map<String, String> environment() {
        return Map.of("MALLOC_ARENA_MAX", "2");
    }

    @Override
    protected Optional<MemberView> status(int i) {
        if (admin == null) {
            admin = RaftKvClient.builder().endpoints(String.join(",", clientEndpoints()))
                    .deadline(STATUS_TIMEOUT).attemptTimeout(STATUS_TIMEOUT).retryPolicy(RetryPolicy.NONE).build();
        }
        try {
            StatusResponse s = admin.status(Endpoint.parse(clientEndpoints().get(i)), StatusRequest.getDefaultInstance())
                    .toCompletionStage().toCompletableFuture()
                    .get(STATUS_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
            return Optional.of(new MemberView(Long.toString(s.getId()),
                    s.getLeaderId() == 0 ? "" : Long.toString(s.getLeaderId()), "raftkv " + s.getVersion()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            super.close();
        }
    }
}
