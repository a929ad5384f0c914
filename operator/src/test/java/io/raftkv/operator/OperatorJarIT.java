package io.raftkv.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the packaged operator jar ({@code java -jar target/raftkv-operator.jar}) as its own
 * process against a standalone CRUD-mode mock API server on loopback, and checks that it starts,
 * takes the Lease, reconciles a cluster, serves its HTTP endpoints, and stops on SIGTERM.
 */
class OperatorJarIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private KubernetesMockServer server;
    private KubernetesClient client;
    private Process operator;
    private Path log;

    @BeforeEach
    void startApiServer() throws Exception {
        server = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new AuthorizingCrudDispatcher(), false);
        server.start(InetAddress.getLoopbackAddress(), 0);
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl("http://127.0.0.1:" + server.getPort())
                .withRequestTimeout(10_000)
                .build();
        client = new KubernetesClientBuilder().withConfig(config).build();
        try (InputStream crd = new FileInputStream(TestClusters.generatedCrd().toFile())) {
            client.apiextensions().v1().customResourceDefinitions().load(crd).create();
        }
    }

    @AfterEach
    void stopAll() throws Exception {
        if (operator != null && operator.isAlive()) {
            operator.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        client.close();
        server.shutdown();
    }

    @Test
    void jarStartsElectsItselfReconcilesAndStopsOnSigterm() throws Exception {
        Path jar = Paths.get(System.getProperty("raftkv.operator.jar", "target/raftkv-operator.jar"));
        assertThat(jar).as("the shaded jar (run through `mvn verify`)").exists();
        int httpPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            httpPort = socket.getLocalPort();
        }
        log = Files.createTempFile("raftkv-operator-it", ".log");
        ProcessBuilder pb = new ProcessBuilder(
                        Paths.get(System.getProperty("java.home"), "bin", "java")
                                .toString(),
                        "-Xmx256m",
                        "-jar",
                        jar.toString(),
                        "--lease-namespace=raftkv-system",
                        "--identity=it-operator",
                        "--http-port=" + httpPort)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("KUBERNETES_MASTER", "http://127.0.0.1:" + server.getPort());
        pb.environment().put("KUBECONFIG", "/nonexistent/kubeconfig");
        pb.environment().put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        pb.environment().put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        pb.environment().remove("RAFTKV_WATCH_NAMESPACES");
        operator = pb.start();

        Lease lease = await().atMost(TIMEOUT)
                .failFast("the operator process exited", () -> !operator.isAlive())
                .until(
                        () -> client.leases()
                                .inNamespace("raftkv-system")
                                .withName("raftkv-operator-lock")
                                .get(),
                        l -> l != null && l.getSpec().getHolderIdentity() != null);
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("it-operator");

        client.resource(TestClusters.cluster("apps", "it", 3)).create();
        StatefulSet sts = await().atMost(TIMEOUT)
                .until(
                        () -> client.apps()
                                .statefulSets()
                                .inNamespace("apps")
                                .withName("it")
                                .get(),
                        s -> s != null);
        assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
        RaftKvCluster withStatus = await().atMost(TIMEOUT)
                .until(
                        () -> client.resources(RaftKvCluster.class)
                                .inNamespace("apps")
                                .withName("it")
                                .get(),
                        c -> c.getStatus() != null && c.getStatus().getPhase() != null);
        assertThat(withStatus.getStatus().getPhase()).isEqualTo("Creating");

        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        await().atMost(TIMEOUT).untilAsserted(() -> {
            assertThat(get(http, httpPort, "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(http, httpPort, "/readyz").statusCode()).isEqualTo(200);
        });
        String metrics = get(http, httpPort, "/metrics").body();
        assertThat(metrics)
                .contains("raftkv_cluster_replicas_desired{name=\"it\",namespace=\"apps\"} 3.0")
                .contains("reconciliations_success_total{controller_name=\"raftkvcluster\",namespace=\"apps\"}")
                .contains("jvm_memory_used_bytes");

        operator.destroy(); // SIGTERM: the shutdown hook stops the operator and the HTTP server
        assertThat(operator.waitFor(40, TimeUnit.SECONDS))
                .as("exited after SIGTERM")
                .isTrue();
        assertThat(Files.readString(log)).contains("raftkv-operator started").contains("Stopping");
    }

    /**
     * CRUD mode plus the one answer an authorizer would give: JOSDK asks, through a
     * SelfSubjectRulesReview, whether it may use Leases before it starts leader election, and the
     * mock server has no authorizer. This grants exactly the verbs of
     * config/rbac/leader_election_role.yaml.
     */
    private static final class AuthorizingCrudDispatcher extends KubernetesCrudDispatcher {
        @Override
        public MockResponse handleCreate(RecordedRequest request) {
            if (request.getPath().endsWith("/selfsubjectrulesreviews")) {
                return new MockResponse()
                        .setResponseCode(201)
                        .setHeader("Content-Type", "application/json")
                        .setBody("{\"apiVersion\":\"authorization.k8s.io/v1\","
                                + "\"kind\":\"SelfSubjectRulesReview\",\"spec\":{},\"status\":{"
                                + "\"incomplete\":false,\"nonResourceRules\":[],\"resourceRules\":[{"
                                + "\"apiGroups\":[\"coordination.k8s.io\"],\"resources\":[\"leases\"],"
                                + "\"verbs\":[\"get\",\"list\",\"watch\",\"create\",\"update\","
                                + "\"patch\"]}]}}");
            }
            return super.handleCreate(request);
        }
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
