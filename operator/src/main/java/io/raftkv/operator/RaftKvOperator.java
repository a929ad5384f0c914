package io.raftkv.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetricsV2;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.raftkv.operator.backup.BackupMetrics;
import io.raftkv.operator.backup.RaftKvBackupReconciler;
import io.raftkv.operator.backup.RaftKvBackupScheduleReconciler;
import io.raftkv.operator.membership.AdminCredentials;
import io.raftkv.operator.membership.GrpcNodeAdmin;
import io.raftkv.operator.membership.MembershipOrchestrator;
import io.raftkv.operator.membership.MembershipSettings;
import io.raftkv.operator.membership.NodeAdmin;
import io.raftkv.operator.membership.NodeEndpoints;
import io.raftkv.operator.metrics.ClusterMetrics;
import io.raftkv.operator.security.ClusterSecurity;
import io.raftkv.operator.security.TlsPlanner;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Builds the JOSDK {@link Operator} with the one configuration used both in production and in
 * the tests against the Fabric8 mock server: JSON patches rather than server-side apply for the
 * primary's status and for dependents (so the path the tests exercise is the path that runs),
 * JOSDK's Micrometer metrics, bounded termination, and optionally Lease leader election.
 */
public final class RaftKvOperator {

    /** How long in-flight reconciliations may finish when the operator stops. */
    public static final Duration TERMINATION_TIMEOUT = Duration.ofSeconds(20);

    /**
     * Retry of a failed reconciliation: 2 s, doubling up to 5 min, for as long as it fails (a
     * cluster whose objects the API server refuses stays Degraded and is retried, never given up).
     */
    public static final GenericRetry RETRY = new GenericRetry()
            .setInitialInterval(2_000)
            .setIntervalMultiplier(2.0)
            .setMaxInterval(300_000)
            .withoutMaxAttempts();

    private RaftKvOperator() {}

    /**
     * Creates an operator with the RaftKvCluster controller registered (not started).
     *
     * @param leaderElection empty for a single replica without a Lease
     * @param nodeAdmin how nodes are called (a {@link GrpcNodeAdmin} in production); closed by the
     *     caller after the operator stops
     * @param endpoints where pods are dialled ({@link NodeEndpoints#clusterDns()} in Kubernetes;
     *     harnesses that run nodes on loopback map ordinals to their ports)
     * @param membership tuning of the membership orchestration
     */
    public static Operator create(
            KubernetesClient client,
            MeterRegistry registry,
            ClusterMetrics clusterMetrics,
            OperatorSettings settings,
            Optional<LeaderElectionConfiguration> leaderElection,
            Clock clock,
            NodeAdmin nodeAdmin,
            NodeEndpoints endpoints,
            MembershipSettings membership) {
        return create(
                client,
                registry,
                clusterMetrics,
                settings,
                leaderElection,
                clock,
                nodeAdmin,
                endpoints,
                membership,
                new AdminCredentials(),
                new TlsPlanner());
    }

    /**
     * As above, with the registry of the operator's TLS credentials that {@code nodeAdmin} reads
     * (a {@link GrpcNodeAdmin} built with the same {@link AdminCredentials}) and the planner of
     * the clusters' certificates.
     */
    public static Operator create(
            KubernetesClient client,
            MeterRegistry registry,
            ClusterMetrics clusterMetrics,
            OperatorSettings settings,
            Optional<LeaderElectionConfiguration> leaderElection,
            Clock clock,
            NodeAdmin nodeAdmin,
            NodeEndpoints endpoints,
            MembershipSettings membership,
            AdminCredentials credentials,
            TlsPlanner planner) {
        Operator operator = new Operator(o -> configure(o, client, registry, leaderElection));
        MembershipOrchestrator orchestrator = new MembershipOrchestrator(nodeAdmin, endpoints, membership);
        operator.register(
                new RaftKvClusterReconciler(
                        clock,
                        clusterMetrics,
                        orchestrator,
                        membership.operationReschedule(),
                        new ClusterSecurity(planner, credentials, endpoints)),
                controller -> {
                    controller.withRetry(RETRY);
                    if (settings.watchesAllNamespaces()) {
                        controller.watchingAllNamespaces();
                    } else {
                        controller.settingNamespaces(settings.watchNamespaces());
                    }
                });
        return operator;
    }

    /**
     * Registers the RaftKvBackup and RaftKvBackupSchedule controllers (docs/operations.md, Backups)
     * on {@code operator}, watching the same namespaces as the cluster controller. Separate from
     * {@link #create} so that harnesses which only need clusters do not need the backup CRDs.
     */
    public static void registerBackups(
            Operator operator, BackupMetrics metrics, OperatorSettings settings, Clock clock) {
        registerBackups(operator, metrics, settings, clock, RaftKvBackupReconciler.RECHECK);
    }

    private static void registerBackups(
            Operator operator, BackupMetrics metrics, OperatorSettings settings, Clock clock, Duration recheck) {
        operator.register(new RaftKvBackupReconciler(clock, metrics, recheck), controller -> {
            controller.withRetry(RETRY);
            watch(controller, settings);
        });
        operator.register(new RaftKvBackupScheduleReconciler(clock), controller -> {
            controller.withRetry(RETRY);
            watch(controller, settings);
        });
    }

    /** An operator with only the backup controllers (tests of the backup controllers). */
    public static Operator backupsOnly(
            KubernetesClient client, MeterRegistry registry, OperatorSettings settings, Clock clock, Duration recheck) {
        Operator operator = new Operator(o -> configure(o, client, registry, Optional.empty()));
        registerBackups(operator, new BackupMetrics(registry), settings, clock, recheck);
        return operator;
    }

    private static void watch(
            io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider<?> controller,
            OperatorSettings settings) {
        if (settings.watchesAllNamespaces()) {
            controller.watchingAllNamespaces();
        } else {
            controller.settingNamespaces(settings.watchNamespaces());
        }
    }

    static void configure(
            ConfigurationServiceOverrider o,
            KubernetesClient client,
            MeterRegistry registry,
            Optional<LeaderElectionConfiguration> leaderElection) {
        o.withKubernetesClient(client)
                .withUseSSAToPatchPrimaryResource(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .withMetrics(MicrometerMetricsV2.newBuilder(registry)
                        .withNamespaceAsTag()
                        .build())
                .withReconciliationTerminationTimeout(TERMINATION_TIMEOUT)
                .withStopOnInformerErrorDuringStartup(true)
                .withCloseClientOnStop(false);
        leaderElection.ifPresent(o::withLeaderElectionConfiguration);
    }

    /**
     * Lease-based leader election: only the holder of the Lease reconciles; the other replicas
     * keep their caches warm and take over when the Lease expires.
     */
    public static LeaderElectionConfiguration leaderElection(
            OperatorSettings settings, String leaseNamespace, ClusterMetrics metrics) {
        metrics.setActive(false); // a standby until the Lease is ours
        return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(settings.leaseName())
                .withLeaderCallbacks(new LeaderCallbacks(
                        () -> metrics.setActive(true), () -> metrics.setActive(false), leader -> {}))
                .withLeaseNamespace(leaseNamespace)
                .withIdentity(settings.identity())
                .withLeaseDuration(Duration.ofSeconds(15))
                .withRenewDeadline(Duration.ofSeconds(10))
                .withRetryPeriod(Duration.ofSeconds(2))
                .build();
    }
}
