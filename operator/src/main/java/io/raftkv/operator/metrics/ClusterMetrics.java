package io.raftkv.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Per-cluster gauges, one row per RaftKvCluster the operator currently sees:
 * {@code raftkv_cluster_replicas_desired}, {@code raftkv_cluster_replicas_ready},
 * {@code raftkv_cluster_leader_known} (0 or 1), {@code raftkv_cluster_term},
 * {@code raftkv_cluster_degraded} (1 while the Degraded condition is True) and
 * {@code raftkv_cluster_certificate_expiry_timestamp_seconds} (the soonest operator-managed
 * certificate's expiry, Unix time, while TLS is on), tagged with namespace and name.
 *
 * <p>The rows are rebuilt from the controller's informer cache on every {@link #refresh()} (the
 * HTTP handler calls it before each scrape), so a deleted cluster's rows disappear without a
 * finalizer or a delete hook.
 */
public final class ClusterMetrics {

    private final MultiGauge desired;
    private final MultiGauge ready;
    private final MultiGauge leaderKnown;
    private final MultiGauge term;
    private final MultiGauge degraded;
    private final MultiGauge certificateExpiry;
    private final MeterRegistry registry;
    private final AtomicBoolean active = new AtomicBoolean(true);
    private final AtomicReference<Supplier<Stream<RaftKvCluster>>> source = new AtomicReference<>(Stream::empty);

    public ClusterMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("raftkv.operator.leader", active, a -> a.get() ? 1 : 0)
                .description("1 on the operator replica that reconciles, 0 on a standby")
                .register(registry);
        this.desired = MultiGauge.builder("raftkv.cluster.replicas.desired")
                .description("Members the spec asks for")
                .register(registry);
        this.ready = MultiGauge.builder("raftkv.cluster.replicas.ready")
                .description("Members that are ready")
                .register(registry);
        this.leaderKnown = MultiGauge.builder("raftkv.cluster.leader.known")
                .description("1 when the cluster reports a leader, else 0")
                .register(registry);
        this.term = MultiGauge.builder("raftkv.cluster.term")
                .description("Raft term reported by the leader")
                .register(registry);
        this.degraded = MultiGauge.builder("raftkv.cluster.degraded")
                .description("1 while the cluster's Degraded condition is True, else 0")
                .register(registry);
        this.certificateExpiry = MultiGauge.builder("raftkv.cluster.certificate.expiry.timestamp")
                .baseUnit("seconds")
                .description("When the cluster's soonest operator-managed certificate expires (Unix"
                        + " time); absent while TLS is off")
                .register(registry);
    }

    /**
     * Counts a failed reconciliation: {@code raftkv_operator_reconcile_failures_total} with
     * namespace, name and the failure's reason (e.g. NameConflict, ObjectRejected).
     */
    public void reconcileFailed(String namespace, String name, String reason) {
        Counter.builder("raftkv.operator.reconcile.failures")
                .description("Reconciliations of a RaftKvCluster that failed, by reason")
                .tags("namespace", namespace, "name", name, "reason", reason)
                .register(registry)
                .increment();
    }

    /** Sets where the clusters come from (the primary informer cache, once it exists). */
    public void observe(Supplier<Stream<RaftKvCluster>> clusters) {
        source.set(Objects.requireNonNull(clusters));
    }

    /**
     * Whether this replica reconciles (holds the leader Lease, or runs without leader election).
     * A standby replica keeps a warm cache but exports no per-cluster rows, so that two replicas
     * never double every series; {@code raftkv_operator_leader} says which replica is active.
     */
    public void setActive(boolean active) {
        this.active.set(active);
    }

    /** Rebuilds every row from the current set of clusters (none on a standby replica). */
    public void refresh() {
        List<RaftKvCluster> clusters = active.get() ? source.get().get().toList() : List.of();
        desired.register(
                rows(
                        clusters,
                        c -> c.getSpec() == null || c.getSpec().getReplicas() == null
                                ? 0
                                : c.getSpec().getReplicas()),
                true);
        ready.register(
                rows(
                        clusters,
                        c -> status(c).getReadyReplicas() == null
                                ? 0
                                : status(c).getReadyReplicas()),
                true);
        leaderKnown.register(
                rows(
                        clusters,
                        c -> status(c).getLeader() == null
                                        || status(c).getLeader().isEmpty()
                                ? 0
                                : 1),
                true);
        term.register(
                rows(clusters, c -> status(c).getTerm() == null ? 0 : status(c).getTerm()), true);
        degraded.register(rows(clusters, c -> degraded(status(c)) ? 1 : 0), true);
        certificateExpiry.register(
                rows(
                        clusters.stream().filter(c -> expiry(c) != null).toList(),
                        c -> expiry(c).getEpochSecond()),
                true);
    }

    /** {@code status.tls.certificatesNotAfter}, or null when absent or unreadable. */
    private static java.time.Instant expiry(RaftKvCluster cluster) {
        var tls = status(cluster).getTls();
        if (tls == null || tls.getCertificatesNotAfter() == null) {
            return null;
        }
        try {
            return java.time.Instant.parse(tls.getCertificatesNotAfter());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static boolean degraded(RaftKvClusterStatus status) {
        return status.getConditions() != null
                && status.getConditions().stream()
                        .anyMatch(k -> "Degraded".equals(k.getType()) && "True".equals(k.getStatus()));
    }

    private static RaftKvClusterStatus status(RaftKvCluster cluster) {
        return cluster.getStatus() != null ? cluster.getStatus() : new RaftKvClusterStatus();
    }

    private static List<MultiGauge.Row<?>> rows(
            Collection<RaftKvCluster> clusters, Function<RaftKvCluster, Number> value) {
        return clusters.stream()
                .<MultiGauge.Row<?>>map(c -> MultiGauge.Row.of(
                        Tags.of(
                                "namespace",
                                c.getMetadata().getNamespace(),
                                "name",
                                c.getMetadata().getName()),
                        value.apply(c)))
                .toList();
    }
}
