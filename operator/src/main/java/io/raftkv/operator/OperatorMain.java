package io.raftkv.operator;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.raftkv.operator.backup.BackupMetrics;
import io.raftkv.operator.http.OperatorHttpServer;
import io.raftkv.operator.membership.AdminCredentials;
import io.raftkv.operator.membership.GrpcNodeAdmin;
import io.raftkv.operator.membership.MembershipSettings;
import io.raftkv.operator.membership.NodeEndpoints;
import io.raftkv.operator.metrics.ClusterMetrics;
import io.raftkv.operator.security.TlsPlanner;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the operator process: reads settings, connects to the API server (in-cluster
 * service account, kubeconfig, or {@code KUBERNETES_MASTER}), starts the HTTP endpoint and the
 * operator, and stops both in order on SIGTERM.
 */
public final class OperatorMain {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);
    /** Deadline of every request to the API server. */
    static final int API_REQUEST_TIMEOUT_MS = 30_000;

    static final int API_CONNECT_TIMEOUT_MS = 10_000;

    private OperatorMain() {}

    public static void main(String[] args) throws Exception {
        OperatorSettings settings;
        try {
            settings = OperatorSettings.parse(Arrays.asList(args), System.getenv(), hostName());
        } catch (IllegalArgumentException e) {
            System.err.println("raftkv-operator: " + e.getMessage());
            System.exit(2);
            return;
        }
        Config config = new ConfigBuilder(Config.autoConfigure(null))
                .withRequestTimeout(API_REQUEST_TIMEOUT_MS)
                .withConnectionTimeout(API_CONNECT_TIMEOUT_MS)
                .build();
        KubernetesClient client =
                new KubernetesClientBuilder().withConfig(config).build();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        ClusterMetrics clusterMetrics = new ClusterMetrics(registry);

        Optional<LeaderElectionConfiguration> election = Optional.empty();
        if (settings.leaderElection()) {
            String leaseNamespace = settings.leaseNamespace()
                    .or(() -> Optional.ofNullable(client.getNamespace()))
                    .orElseThrow(() -> new IllegalStateException("leader election needs a namespace for"
                            + " its Lease: set --lease-namespace or RAFTKV_LEASE_NAMESPACE"));
            election = Optional.of(RaftKvOperator.leaderElection(settings, leaseNamespace, clusterMetrics));
        }
        MembershipSettings membership = MembershipSettings.DEFAULTS;
        AdminCredentials credentials = new AdminCredentials();
        GrpcNodeAdmin nodeAdmin =
                new GrpcNodeAdmin(membership.callTimeout(), membership.transferTimeout(), credentials);
        Operator operator = RaftKvOperator.create(
                client,
                registry,
                clusterMetrics,
                settings,
                election,
                Clock.systemUTC(),
                nodeAdmin,
                NodeEndpoints.clusterDns(),
                membership,
                credentials,
                TlsPlanner.fromEnvironment(System.getenv()));
        RaftKvOperator.registerBackups(operator, new BackupMetrics(registry), settings, Clock.systemUTC());
        OperatorHttpServer http = OperatorHttpServer.start(
                settings.httpPort(),
                () -> {
                    clusterMetrics.refresh();
                    return registry.scrape();
                },
                () -> !operator.getRuntimeInfo().isStarted()
                        || operator.getRuntimeInfo().allEventSourcesAreHealthy(),
                () -> operator.getRuntimeInfo().isStarted()
                        && operator.getRuntimeInfo().allEventSourcesAreHealthy());

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            LOG.info(
                                    "Stopping: finishing in-flight reconciliations (at most {})",
                                    RaftKvOperator.TERMINATION_TIMEOUT);
                            try {
                                operator.stop();
                            } finally {
                                http.close();
                                nodeAdmin.close();
                                client.close();
                                stopped.countDown();
                            }
                        },
                        "operator-shutdown"));

        LOG.info(
                "raftkv-operator {} starting: namespaces={}, leaderElection={}, identity={}," + " http port {}",
                OperatorMain.class.getPackage().getImplementationVersion(),
                settings.watchesAllNamespaces() ? "all" : settings.watchNamespaces(),
                settings.leaderElection(),
                settings.identity(),
                http.port());
        try {
            operator.start();
        } catch (RuntimeException e) {
            // Informer and executor threads are not daemons: without an explicit exit a failed start
            // would leave a process that looks alive but reconciles nothing.
            LOG.error("raftkv-operator failed to start", e);
            System.exit(1);
        }
        LOG.info("raftkv-operator started");
        stopped.await();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "raftkv-operator-" + ProcessHandle.current().pid();
        }
    }
}
