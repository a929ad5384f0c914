package io.raftkv.e2e.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.testkit.RocksDbLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole end-to-end rig: {@link MockApiServer} (CRUD, CRD applied), {@link PodNetwork},
 * {@link SimulatedKubelet} (with its Job controller), and the real operator jar as a process
 * ({@code KUBERNETES_MASTER=http://127.0.0.1:PORT}, leader election off, DNS through the pod
 * network's hosts file so that it dials pods by their cluster DNS names, as in Kubernetes).
 *
 * <p>System properties: {@code raftkv.e2e.node.jar} and {@code raftkv.e2e.operator.jar} (default
 * {@code ../node/<build.dir>/raftkv-node.jar} and {@code ../operator/<build.dir>/raftkv-operator.jar},
 * {@code build.dir} defaulting to {@code target}, relative to the e2e module), {@code raftkv.e2e.cli.jar}
 * (default {@code ../cli/<build.dir>/raftkvctl-thin.jar}: {@code /app/raftkvctl.jar} of the node image,
 * which backup Jobs run), {@code raftkv.e2e.seed}
 * (the run's seed; printed), {@code raftkv.e2e.workdir} (default {@code <build.dir>/k8s-e2e}).
 * Logs of every process stay in the run's directory; volumes are deleted on close.
 */
public final class OperatorE2eHarness implements AutoCloseable {

    static final String CR_API_VERSION = OwnerGarbageCollector.CR_API_VERSION;
    static final String CR_KIND = OwnerGarbageCollector.CR_KIND;
    static final List<String> NODE_JVM_ARGS =
            List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

    private final long seed;
    private final Path runDir;
    private final MockApiServer api;
    private final PodNetwork network;
    private final SimulatedKubelet kubelet;
    private final JvmProcess operator;
    private final NodeCalls calls = new NodeCalls(this::adminCredentials);
    /** "ns/sts" → when read and the admin credentials then (refreshed every second). */
    private final Map<String, Map.Entry<Long, Optional<NodeCalls.Credentials>>> credentialCache =
            new java.util.concurrent.ConcurrentHashMap<>();

    private OperatorE2eHarness(
            long seed,
            Path runDir,
            MockApiServer api,
            PodNetwork network,
            SimulatedKubelet kubelet,
            JvmProcess operator) {
        this.seed = seed;
        this.runDir = runDir;
        this.api = api;
        this.network = network;
        this.kubelet = kubelet;
        this.operator = operator;
    }

    /** Starts the API server, the kubelet and the operator; {@code namespaces} are created. */
    public static OperatorE2eHarness start(String... namespaces) throws Exception {
        long seed = Long.getLong("raftkv.e2e.seed", System.nanoTime());
        String buildDir = System.getProperty("build.dir", "target");
        Path moduleDir = Path.of("").toAbsolutePath();
        Path repoRoot = Files.isDirectory(moduleDir.resolve("crds")) ? moduleDir : moduleDir.getParent();
        Path nodeJar = Path.of(System.getProperty(
                "raftkv.e2e.node.jar",
                repoRoot.resolve("node")
                        .resolve(buildDir)
                        .resolve("raftkv-node.jar")
                        .toString()));
        Path operatorJar = Path.of(System.getProperty(
                "raftkv.e2e.operator.jar",
                repoRoot.resolve("operator")
                        .resolve(buildDir)
                        .resolve("raftkv-operator.jar")
                        .toString()));
        Path cliJar = Path.of(System.getProperty(
                "raftkv.e2e.cli.jar",
                repoRoot.resolve("cli")
                        .resolve(buildDir)
                        .resolve("raftkvctl-thin.jar")
                        .toString()));
        Path workRoot = Path.of(System.getProperty(
                "raftkv.e2e.workdir",
                repoRoot.resolve("e2e").resolve(buildDir).resolve("k8s-e2e").toString()));
        Path runDir = workRoot.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + Long.toHexString(seed));
        Files.createDirectories(runDir);
        System.out.println("k8s e2e: seed " + seed + " (replay with -Draftkv.e2e.seed=" + seed
                + "), run directory " + runDir + ", node jar " + nodeJar + ", operator jar "
                + operatorJar);
        MockApiServer api = MockApiServer.start(
                List.of(
                        repoRoot.resolve("crds").resolve("raftkvclusters.raftkv.io-v1.yml"),
                        repoRoot.resolve("crds").resolve("raftkvbackups.raftkv.io-v1.yml"),
                        repoRoot.resolve("crds").resolve("raftkvbackupschedules.raftkv.io-v1.yml")),
                namespaces);
        PodNetwork network = new PodNetwork(runDir.resolve("hosts"), seed);
        SimulatedKubelet kubelet = null;
        try {
            kubelet = new SimulatedKubelet(
                            api.client(),
                            network,
                            new SimulatedKubelet.Settings(
                                    nodeJar,
                                    runDir,
                                    api.url(),
                                    NODE_JVM_ARGS,
                                    SimulatedKubelet.nodeImageFiles(nodeJar, cliJar)))
                    .start();
            JvmProcess operator = JvmProcess.start(
                    "operator",
                    operatorJar,
                    List.of(
                            "-Xmx256m",
                            "-XX:+UseSerialGC",
                            "-XX:TieredStopAtLevel=1",
                            "-Djdk.net.hosts.file=" + network.hostsFile(),
                            "-Dsun.net.inetaddr.negative.ttl=1"),
                    List.of(),
                    Map.of(
                            "KUBERNETES_MASTER", api.url(),
                            "KUBERNETES_AUTH_TRYKUBECONFIG", "false",
                            "KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false",
                            "KUBERNETES_NAMESPACE", "default",
                            "RAFTKV_LEADER_ELECTION", "false",
                            "RAFTKV_OPERATOR_HTTP_PORT", "0",
                            // CA rotation phases 20 s apart: twice the nodes' 10 s reload period
                            "RAFTKV_TLS_PROPAGATION_SECONDS", "20",
                            "HOME", runDir.toString()),
                    runDir.resolve("logs").resolve("operator.log"));
            return new OperatorE2eHarness(seed, runDir, api, network, kubelet, operator);
        } catch (RuntimeException e) {
            if (kubelet != null) {
                kubelet.close();
            }
            api.close();
            throw e;
        }
    }

    public long seed() {
        return seed;
    }

    /** This run's directory (logs, volumes, pods). */
    public Path runDir() {
        return runDir;
    }

    /** The repository's root directory (where {@code crds/} is). */
    static Path repoRoot() {
        Path moduleDir = Path.of("").toAbsolutePath();
        return Files.isDirectory(moduleDir.resolve("crds")) ? moduleDir : moduleDir.getParent();
    }

    /** A module's build directory ({@code <module>/<build.dir>}). */
    static Path buildDir(String module) {
        return repoRoot().resolve(module).resolve(System.getProperty("build.dir", "target"));
    }

    /**
     * Runs raftkvctl (the thin jar + the node jar, as the node image does) to completion.
     *
     * @return exit code and the output (stdout and stderr)
     */
    static Map.Entry<Integer, String> raftkvctl(List<String> args, Map<String, String> env, Duration timeout)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(
                JvmProcess.javaBinary(),
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty(
                                "raftkv.e2e.cli.jar",
                                buildDir("cli").resolve("raftkvctl-thin.jar").toString())
                        + ":"
                        + System.getProperty(
                                "raftkv.e2e.node.jar",
                                buildDir("node").resolve("raftkv-node.jar").toString()),
                "io.raftkv.cli.RaftKvCtl"));
        command.addAll(args);
        ProcessBuilder b = new ProcessBuilder(RocksDbLibrary.withLibraryPath(command)).redirectErrorStream(true);
        b.environment().putAll(env);
        Process p = b.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("raftkvctl " + args + " did not end within " + timeout);
        }
        return Map.entry(p.exitValue(), new String(out, java.nio.charset.StandardCharsets.UTF_8));
    }

    public KubernetesClient client() {
        return api.client();
    }

    public SimulatedKubelet kubelet() {
        return kubelet;
    }

    public JvmProcess operator() {
        return operator;
    }

    NodeCalls calls() {
        return calls;
    }

    PodNetwork network() {
        return network;
    }

    /**
     * The admin credentials of the cluster whose pod has the address in {@code target}, from the
     * Secret {@code <cluster>-admin} the operator keeps (empty while it does not exist: TLS off).
     */
    Optional<NodeCalls.Credentials> adminCredentials(String target) {
        int colon = target.lastIndexOf(':');
        Optional<String> sts = network.statefulSetOf(colon < 0 ? target : target.substring(0, colon));
        if (sts.isEmpty()) {
            return Optional.empty();
        }
        long now = System.nanoTime();
        var cached = credentialCache.get(sts.get());
        if (cached != null && now - cached.getKey() < 1_000_000_000L) {
            return cached.getValue();
        }
        String[] nsAndName = sts.get().split("/", 2);
        var secret = client().secrets()
                .inNamespace(nsAndName[0])
                .withName(nsAndName[1] + "-admin")
                .get();
        Optional<NodeCalls.Credentials> found = Optional.ofNullable(secret)
                .filter(s -> s.getData() != null && s.getData().containsKey("tls.crt"))
                .map(s -> new NodeCalls.Credentials(decode(s, "ca.crt"), decode(s, "tls.crt"), decode(s, "tls.key")));
        credentialCache.put(sts.get(), Map.entry(now, found));
        return found;
    }

    private static String decode(io.fabric8.kubernetes.api.model.Secret secret, String key) {
        return new String(
                java.util.Base64.getDecoder().decode(secret.getData().get(key)),
                java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Creates a RaftKvCluster from YAML text. */
    public GenericKubernetesResource apply(String yaml) {
        GenericKubernetesResource cr = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
        return client().resource(cr).create();
    }

    public Resource<GenericKubernetesResource> cluster(String namespace, String name) {
        return client().genericKubernetesResources(CR_API_VERSION, CR_KIND)
                .inNamespace(namespace)
                .withName(name);
    }

    /** The RaftKvCluster's status as the API server holds it (empty when absent). */
    @SuppressWarnings("unchecked")
    public ClusterStatusView status(String namespace, String name) {
        GenericKubernetesResource cr = cluster(namespace, name).get();
        Object status = cr == null ? null : cr.getAdditionalProperties().get("status");
        return new ClusterStatusView(status instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of());
    }

    /**
     * Loopback client addresses of the pods of {@code sts} that exist now (what a client behind
     * the client Service could reach).
     */
    public List<String> podAddresses(String namespace, String sts) {
        List<String> out = new ArrayList<>();
        client().pods()
                .inNamespace(namespace)
                .withLabel("app.kubernetes.io/instance", sts)
                .list()
                .getItems()
                .forEach(p -> {
                    int ordinal = podOrdinal(sts, p.getMetadata().getName());
                    if (ordinal >= 0) {
                        out.add(kubelet.clientAddress(namespace, sts, ordinal));
                    }
                });
        return out;
    }

    /** The Raft Status of the node of pod {@code ordinal} (5 s deadline: it may open a TLS connection). */
    public StatusResponse nodeStatus(String namespace, String sts, int ordinal) {
        return calls.status(kubelet.clientAddress(namespace, sts, ordinal), Duration.ofSeconds(5));
    }

    /** The ordinal of a pod of {@code sts}, or -1. */
    static int podOrdinal(String sts, String podName) {
        String digits = podName.startsWith(sts + "-") ? podName.substring(sts.length() + 1) : "";
        return digits.matches("[0-9]{1,6}") ? Integer.parseInt(digits) : -1;
    }

    /** The ordinal in a peer or client address {@code <sts>-<i>.<svc>...:port}, or -1. */
    static int addressOrdinal(String sts, String address) {
        int dot = address.indexOf('.');
        return dot < 0 ? -1 : podOrdinal(sts, address.substring(0, dot));
    }

    /** Logs of the operator and of the pods' current processes, for failure messages. */
    public String diagnostics() {
        return "--- operator log tail\n" + operator.tail(60) + "\n" + kubelet.logTails(25) + "--- kubelet events\n"
                + String.join("\n", lastOf(kubelet.events(), 60));
    }

    private static List<String> lastOf(List<String> list, int n) {
        return list.subList(Math.max(0, list.size() - n), list.size());
    }

    /** Stops the operator, every node process, the API server; deletes volumes, keeps logs. */
    @Override
    public void close() {
        try {
            operator.terminate(Duration.ofSeconds(10));
            kubelet.close();
            calls.close();
        } finally {
            api.close();
            SimulatedKubelet.deleteRecursively(runDir.resolve("volumes"));
            SimulatedKubelet.deleteRecursively(runDir.resolve("pods"));
            System.out.println("k8s e2e: logs kept in " + runDir.resolve("logs"));
        }
    }

    /** Read-only view of a RaftKvCluster status map. */
    public record ClusterStatusView(Map<String, Object> raw) {
        public String phase() {
            return String.valueOf(raw.getOrDefault("phase", ""));
        }

        public String leader() {
            Object l = raw.get("leader");
            return l == null ? "" : l.toString();
        }

        public long term() {
            Object t = raw.get("term");
            return t instanceof Number n ? n.longValue() : 0;
        }

        public int readyReplicas() {
            Object r = raw.get("readyReplicas");
            return r instanceof Number n ? n.intValue() : 0;
        }

        @SuppressWarnings("unchecked")
        public List<Map<String, Object>> members() {
            Object m = raw.get("members");
            return m instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
        }

        /** The status ({@code True}/{@code False}) of condition {@code type}, if present. */
        @SuppressWarnings("unchecked")
        public Optional<String> condition(String type) {
            Object c = raw.get("conditions");
            if (!(c instanceof List<?> list)) {
                return Optional.empty();
            }
            return list.stream()
                    .map(o -> (Map<String, Object>) o)
                    .filter(m -> type.equals(m.get("type")))
                    .map(m -> String.valueOf(m.get("status")))
                    .findFirst();
        }

        /** The message of condition {@code type} ({@code ""} when absent). */
        @SuppressWarnings("unchecked")
        public String conditionMessage(String type) {
            Object c = raw.get("conditions");
            if (!(c instanceof List<?> list)) {
                return "";
            }
            return list.stream()
                    .map(o -> (Map<String, Object>) o)
                    .filter(m -> type.equals(m.get("type")))
                    .map(m -> String.valueOf(m.get("message")))
                    .findFirst()
                    .orElse("");
        }

        public Optional<Map<String, Object>> operation() {
            @SuppressWarnings("unchecked")
            Map<String, Object> op = raw.get("operation") instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
            return Optional.ofNullable(op);
        }

        @Override
        public String toString() {
            return raw.toString();
        }
    }
}
