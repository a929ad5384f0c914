package io.raftkv.chaos.cluster;

import io.raftkv.e2e.faults.ClusterControl;
import io.raftkv.e2e.faults.Fault;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Fault {@code rotate-ca}: replaces the cluster's CA and every member certificate on disk under the
 * running nodes (a TLS cluster only, {@link ClusterTls}), as an operator or cert-manager does:
 * <ol>
 *   <li>inject: every node trusts the old and the new CA; waits until every running node reloaded;
 *       then every node gets a certificate of the new CA; waits until every running node presents
 *       it on its client port (a real handshake); then every peer connection is reset, so members
 *       handshake again with the new certificates under the two-CA bundle;
 *   <li>heal: the old CA is trusted no more; waits for the reloads; resets every peer connection
 *       again (handshakes with the new CA alone), and SIGKILLs and restarts one follower, so it
 *       starts on the new material only and the clients reconnect to it.
 * </ol>
 * The workload keeps running throughout; the run's checker then holds the history to
 * linearizability and counts lost acknowledged writes as for every other fault.
 */
public final class CaRotation implements Fault {
    public static final String NAME = "rotate-ca";
    private static final String RELOADED = "TLS files ";
    private static final String RELOADED_TAIL = " changed: new connections use the new certificate";

    private boolean injected;

    @Override
    public String name() {
        return NAME;
    }

    /** Three reload waits and a restart fit in it on a loaded machine. */
    @Override
    public Duration minimumActive(ClusterControl cluster) {
        return Duration.ofSeconds(8);
    }

    @Override
    public void inject(ClusterControl control) {
        ProcessCluster cluster = tlsCluster(control);
        ClusterTls tls = cluster.tls().orElseThrow();
        injected = true;
        Map<Integer, Integer> before = reloads(cluster);
        tls.trustNext();
        awaitReloads(cluster, before, "the two-CA bundle");
        before = reloads(cluster);
        tls.issueNext();
        awaitReloads(cluster, before, "certificates of CA generation " + tls.generation());
        for (NodeProcess n : cluster.responsiveMembers()) {
            String expected = tls.serialOf(n.id());
            ProcessCluster.awaitValue(
                    n + " presenting its new certificate (serial " + expected + ")",
                    cluster.options().waitTimeout(),
                    () -> presentedSerial(n).filter(expected::equals));
        }
        cluster.network().setAll(io.raftkv.e2e.proxy.LinkBehavior.cut());
        cluster.network().heal();
    }

    @Override
    public void heal(ClusterControl control) {
        if (!injected) {
            return;
        }
        injected = false;
        ProcessCluster cluster = tlsCluster(control);
        Map<Integer, Integer> before = reloads(cluster);
        cluster.tls().orElseThrow().dropPrevious();
        awaitReloads(cluster, before, "the new CA alone");
        cluster.network().setAll(io.raftkv.e2e.proxy.LinkBehavior.cut());
        cluster.network().heal();
        OptionalInt leader = cluster.leader();
        Optional<Integer> follower = cluster.nodeIds().stream()
                .filter(id -> leader.isEmpty() || id != leader.getAsInt())
                .filter(id -> cluster.node(id).isResponsive())
                .findFirst();
        follower.ifPresent(id -> {
            cluster.kill(id);
            cluster.restart(id);
        });
        cluster.awaitLeader(cluster.options().waitTimeout());
    }

    private static ProcessCluster tlsCluster(ClusterControl control) {
        if (control instanceof ProcessCluster c && c.tls().isPresent()) {
            return c;
        }
        throw new IllegalStateException(NAME + " needs a process cluster with TLS on (-Dchaos.tls=true)");
    }

    /** How many reloads each responsive member's log shows so far. */
    private static Map<Integer, Integer> reloads(ProcessCluster cluster) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (NodeProcess n : cluster.responsiveMembers()) {
            counts.put(n.id(), reloadCount(n));
        }
        return counts;
    }

    private static int reloadCount(NodeProcess n) {
        try (var lines = Files.lines(n.logFile(), StandardCharsets.UTF_8)) {
            return (int) lines.filter(l -> l.contains(RELOADED) && l.contains(RELOADED_TAIL))
                    .count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private static void awaitReloads(ProcessCluster cluster, Map<Integer, Integer> before, String what) {
        for (Map.Entry<Integer, Integer> e : before.entrySet()) {
            NodeProcess n = cluster.node(e.getKey());
            ProcessCluster.awaitValue(
                    n + " reloading " + what,
                    cluster.options().waitTimeout(),
                    () -> !n.isRunning() || reloadCount(n) > e.getValue() ? Optional.of(true) : Optional.empty());
        }
    }

    /** The serial (hex) of the certificate node {@code n} presents on its client port, if it answers a handshake. */
    static Optional<String> presentedSerial(NodeProcess n) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new Recording()}, null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", n.clientPort())) {
                s.setSoTimeout(5_000);
                s.startHandshake();
                X509Certificate leaf = (X509Certificate) s.getSession().getPeerCertificates()[0];
                return Optional.of(leaf.getSerialNumber().toString(16));
            }
        } catch (IOException | GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * Accepts any server certificate: this handshake only reads which certificate the node serves
     * (the clients of the run verify it for real).
     */
    private static final class Recording implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
