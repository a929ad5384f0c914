package io.raftkv.node.k8s;

import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.k8s.MemberIdFile.Origin;
import io.raftkv.node.k8s.MemberIdFile.StoredMemberId;
import io.raftkv.node.net.HostPort;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.StringJoiner;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's life in Kubernetes, as {@code NodeMain} uses it — three steps, in order:
 * <ol>
 *   <li>{@link #deriveSettings} (before the configuration is validated): member id from the
 *       volume ({@link MemberIdentityResolver}), bootstrap or join, the initial voters' peer
 *       addresses {@code <cluster>-<i>.<peer-service>.<ns>.svc:<peer port>} with ids {@code i + 1},
 *       this pod's advertised addresses, and the cluster id {@code <ns>/<cluster>}. Every setting
 *       given explicitly (flag, environment, file) wins over the derived one — the end-to-end
 *       harness maps peers to loopback ports that way. An explicit {@code --id} turns off the
 *       member id file altogether (manual recovery, tests).</li>
 *   <li>{@link #awaitOwnDnsRecord} (before the peer transport starts).</li>
 *   <li>{@link #startStatusReporting} (once the driver runs): a Vert.x timer hands the driver's
 *       status to the {@link ClusterStatusReporter} every {@value #STATUS_FEED_PERIOD_MS} ms; the
 *       reporter decides whether anything is written.</li>
 * </ol>
 * Everything blocking runs on the caller's (start-up) thread or on this package's own threads.
 */
public final class KubernetesNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesNode.class);
    static final long STATUS_FEED_PERIOD_MS = 200;
    /** API reads before giving up on the bootstrap decision (backoff 0.5 s … 10 s: about 3 minutes). */
    static final int IDENTITY_READ_ATTEMPTS = 20;

    static final int DEFAULT_PEER_PORT = 9091;
    static final int DEFAULT_CLIENT_PORT = 9090;
    /** The pod contract's plaintext probe port (HTTP /health /ready /metrics, gRPC health). */
    static final int PROBE_PORT = 9092;

    private final PodIdentity pod;
    private final Supplier<ClusterResource> resourceFactory;
    private ClusterResource resource;
    private DnsRecordWaiter dns;
    private ClusterStatusReporter reporter;
    private Vertx timerVertx;
    private long feedTimerId = -1;

    KubernetesNode(PodIdentity pod, Supplier<ClusterResource> resourceFactory) {
        this.pod = pod;
        this.resourceFactory = resourceFactory;
    }

    /**
     * The Kubernetes side of this node when {@code POD_NAME} is set, else empty.
     *
     * @throws IllegalArgumentException when the pod contract's environment is incomplete or malformed
     */
    public static Optional<KubernetesNode> fromEnvironment(Map<String, String> env) {
        return PodIdentity.fromEnvironment(env)
                .map(pod -> new KubernetesNode(pod, () -> Fabric8ClusterResource.autoConfigured(pod)));
    }

    public PodIdentity pod() {
        return pod;
    }

    /**
     * The settings this pod's identity implies, for every setting not given explicitly. Blocking:
     * reads (and on a fresh volume writes and fsyncs) the member id file, and may read the
     * RaftKvCluster through the API with retries.
     *
     * @param value    a setting's value as resolved so far (flag, environment, file or default)
     * @param explicit whether a setting was given explicitly (not a default)
     * @return setting name → value (names as in {@code NodeConfig})
     * @throws IllegalStateException when the identity cannot be decided safely
     */
    public Map<String, String> deriveSettings(UnaryOperator<String> value, Predicate<String> explicit)
            throws InterruptedException {
        Map<String, String> derived = new LinkedHashMap<>();
        boolean restoring = !value.apply("restore-from").isEmpty();
        long restoredId = 0;
        int peerPort = portOr(value.apply("peer-addr"), DEFAULT_PEER_PORT);
        int clientPort = portOr(value.apply("client-addr"), DEFAULT_CLIENT_PORT);
        if (explicit.test("id")) {
            LOG.info(
                    "pod {}: --id given explicitly ({}); the member id file is not used",
                    pod.podName(),
                    value.apply("id"));
        } else {
            MemberIdentityResolver resolver = new MemberIdentityResolver(
                    pod,
                    Path.of(value.apply("data-dir")),
                    this::resource,
                    new SecureRandom(),
                    new Backoff(500, 10_000, new SplittableRandom()),
                    Sleeper.REAL,
                    IDENTITY_READ_ATTEMPTS,
                    restoring);
            StoredMemberId member = resolver.resolve();
            derived.put("id", Long.toString(member.id()));
            derived.put("join", Boolean.toString(member.origin() == Origin.JOIN));
            // a restored member keeps its fresh id after the restore setting is gone (restarts)
            restoredId = member.origin() == Origin.BOOTSTRAP && member.id() != pod.ordinal() + 1L ? member.id() : 0;
        }
        // a restoring member is the only voter, under its fresh id
        derived.put(
                "peers",
                restoredId > 0 ? restoredId + "=" + new HostPort(pod.ownHost(), peerPort) : initialPeers(peerPort));
        derived.put("advertise-peer", new HostPort(pod.ownHost(), peerPort).toString());
        derived.put("advertise-client", new HostPort(pod.ownHost(), clientPort).toString());
        derived.put("cluster-id", pod.namespace() + "/" + pod.cluster());
        derived.put("probe-addr", probeAddress(value.apply("client-addr")));
        derived.keySet().removeIf(explicit);
        LOG.info("pod {} (ordinal {}) derived settings {}", pod.podName(), pod.ordinal(), derived);
        return derived;
    }

    /** {@code 1=<cluster>-0.<svc>.<ns>.svc:<port>,...}: the initial voters, id = ordinal + 1. */
    String initialPeers(int peerPort) {
        StringJoiner peers = new StringJoiner(",");
        for (int ordinal = 0; ordinal < pod.initialReplicas(); ordinal++) {
            peers.add((ordinal + 1) + "=" + new HostPort(pod.podHost(ordinal), peerPort));
        }
        return peers.toString();
    }

    /**
     * Blocks (start-up thread) until this pod's own DNS record resolves, at most {@code timeoutMs};
     * then logs and goes on (the node still dials out; the operator sees it unready). Peers' records
     * are watched in the background and logged when they appear.
     */
    public void awaitOwnDnsRecord(String advertisedPeerAddress, long timeoutMs) throws InterruptedException {
        dns = new DnsRecordWaiter();
        String own = HostPort.parse(advertisedPeerAddress).host();
        try {
            dns.awaitRecord(own, timeoutMs).get(timeoutMs + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn(
                    "own DNS name {} does not resolve ({}); starting anyway, peers cannot dial this node until it"
                            + " does",
                    own,
                    e.getCause() == null ? e.toString() : e.getCause().getMessage());
        }
        for (int ordinal = 0; ordinal < pod.initialReplicas(); ordinal++) {
            if (ordinal != pod.ordinal()) {
                String host = pod.podHost(ordinal);
                dns.awaitRecord(host, timeoutMs).whenComplete((addresses, failure) -> {
                    if (failure != null) {
                        LOG.warn("peer {} has no DNS record yet: {}", host, failure.getMessage());
                    }
                });
            }
        }
    }

    /**
     * Starts reporting the leader's status into the RaftKvCluster: a Vert.x timer offers
     * {@code status} (a non-blocking snapshot read) to the reporter's bounded slot.
     */
    public void startStatusReporting(Vertx vertx, Supplier<NodeStatus> status) {
        startStatusReporting(vertx, status, java.util.List::of);
    }

    /** As above, with the cluster-wide alarms ({@code TYPE:memberId}) read at each offer. */
    public void startStatusReporting(
            Vertx vertx, Supplier<NodeStatus> status, Supplier<java.util.List<String>> alarms) {
        reporter = new ClusterStatusReporter(pod, resource(), ClusterStatusReporter.Options.DEFAULTS).start();
        timerVertx = vertx;
        ClusterStatusReporter r = reporter;
        feedTimerId = vertx.setPeriodic(STATUS_FEED_PERIOD_MS, id -> {
            NodeStatus s = status.get();
            if (s != null) {
                r.offer(s, alarms.get());
            }
        });
        LOG.info("reporting leader status into RaftKvCluster {}/{}", pod.namespace(), pod.cluster());
    }

    /** Stops the timer, the reporter and the DNS thread, and closes the API client. */
    @Override
    public void close() {
        if (timerVertx != null && feedTimerId >= 0) {
            timerVertx.cancelTimer(feedTimerId);
        }
        if (reporter != null) {
            reporter.close();
        }
        if (dns != null) {
            dns.close();
        }
        if (resource instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing the Kubernetes client failed: {}", e.toString());
            }
        }
    }

    /** Start-up thread only (identity, then reporter creation): no concurrent callers. */
    private ClusterResource resource() {
        if (resource == null) {
            resource = resourceFactory.get();
        }
        return resource;
    }

    /** Port {@value #PROBE_PORT} on the client port's bind host (0.0.0.0 in a pod). */
    private static String probeAddress(String clientAddress) {
        String host;
        try {
            host = HostPort.parse(clientAddress).host();
        } catch (IllegalArgumentException malformed) {
            host = "0.0.0.0"; // NodeConfig's validation reports the client address with its source
        }
        return new HostPort(host, PROBE_PORT).toString();
    }

    private static int portOr(String address, int fallback) {
        try {
            int port = HostPort.parse(address).port();
            return port == 0 ? fallback : port;
        } catch (IllegalArgumentException malformed) {
            return fallback; // NodeConfig's validation reports it with its source
        }
    }
}
