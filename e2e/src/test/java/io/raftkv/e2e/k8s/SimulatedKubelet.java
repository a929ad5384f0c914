package io.raftkv.e2e.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The cluster machinery the mock API server lacks, in one level-triggered loop: the
 * <b>StatefulSet controller</b> (Pods and PVCs for each ordinal, scale-down, retention policy,
 * status with revisions — rules in {@link StatefulSetRules}), the <b>kubelet</b> (one real node
 * JVM per Pod, on the pod's loopback address from {@link PodNetwork}, with the environment the
 * pod template gives it, the PVC as its data directory, restarts when the process dies, the
 * Ready condition from the node's {@code /ready}, SIGTERM and the grace period when the Pod is
 * deleted), the <b>Job controller</b> ({@link JobController}) with the kubelet's side of a Job's
 * pod (its container's {@code command} run once, as {@code restartPolicy: Never}: phase
 * Succeeded/Failed, {@code state.terminated} with the exit code and the termination message — the
 * file at {@code terminationMessagePath}, or with {@code FallbackToLogsOnError} the log's tail)
 * and the <b>garbage collector</b> ({@link OwnerGarbageCollector}).
 *
 * <p>Loop: one thread runs {@link #sync} on every watch event of StatefulSets, Pods and PVCs
 * (informers) and every {@value #RESYNC_MS} ms; it reads the informers' caches, so a decision
 * may rest on a slightly stale view — as in Kubernetes, every action is idempotent and the next
 * pass corrects it. A replacement Pod of the same name is created only once the previous
 * process has exited (it holds the ports and the volume). Probes and terminations run on their
 * own bounded pools, never on the loop.
 *
 * <p>Environment of a node process: the container's {@code env} with downward-API field
 * references resolved; values under a volume's mount path rewritten to the local directory
 * (so {@code RAFTKV_DATA_DIR=/var/lib/raftkv} becomes the claim's directory); the pod's address
 * as {@code RAFTKV_CLIENT_ADDR}/{@code RAFTKV_PEER_ADDR} (the container's named ports); the API
 * server as {@code KUBERNETES_MASTER}. JVM flags point DNS at the {@link PodNetwork} hosts file.
 * A Job's pod gets the same translation ({@link PodEnvironment#command}); files of the node image
 * ({@code /app/raftkv-node.jar}, {@code /app/raftkvctl.jar}) are the local builds in
 * {@link Settings#imageFiles}; it has no address of its own (it dials out through the hosts file).
 */
public final class SimulatedKubelet implements AutoCloseable {

    static final long RESYNC_MS = 300;
    static final long PROBE_PERIOD_MS = 500;
    static final long GC_PERIOD_MS = 1_000;
    /** Upper bound of the grace period given to a deleted pod's process. */
    static final Duration MAX_GRACE = Duration.ofSeconds(30);

    static final int MAX_EVENTS = 2_000;

    /**
     * @param nodeJar the node's fat jar, run for every pod whatever its image says
     * @param workDir volumes, pod scratch directories and logs go below it
     * @param masterUrl the API server, as the node processes reach it
     * @param nodeJvmArgs heap and GC flags of each node JVM
     */
    public record Settings(
            Path nodeJar, Path workDir, String masterUrl, List<String> nodeJvmArgs, Map<String, Path> imageFiles) {

        /** Without image files: Job pods that name files of the image fail to start, clearly. */
        public Settings(Path nodeJar, Path workDir, String masterUrl, List<String> nodeJvmArgs) {
            this(nodeJar, workDir, masterUrl, nodeJvmArgs, Map.of("/app/raftkv-node.jar", nodeJar));
        }
    }

    /** The node image's files and the local builds that stand for them. */
    public static Map<String, Path> nodeImageFiles(Path nodeJar, Path cliThinJar) {
        return Map.of("/app/raftkv-node.jar", nodeJar, "/app/raftkvctl.jar", cliThinJar);
    }

    /** JVM flags of a Job's container (raftkvctl): small, as its 512 MiB memory limit would allow. */
    static final List<String> JOB_JVM_ARGS = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final KubernetesClient client;
    private final PodNetwork network;
    private final Settings settings;
    private final OwnerGarbageCollector gc;
    private final JobController jobController;
    private final KubeletPodStatus statuses;
    private final ScheduledExecutorService loop =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "kubelet-loop"));
    private final ScheduledExecutorService probes =
            Executors.newScheduledThreadPool(2, r -> daemon(r, "kubelet-probe"));
    private final ThreadPoolExecutor terminations = new ThreadPoolExecutor(
            4, 4, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> daemon(r, "kubelet-terminate"));
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private final AtomicBoolean kicked = new AtomicBoolean();
    /** "ns/pod" → the runtime of the pod of that name (loop thread writes; others read). */
    private final Map<String, PodRuntime> runtimes = new ConcurrentHashMap<>();

    private final Map<PodRuntime, ScheduledFuture<?>> probeTasks = new ConcurrentHashMap<>();
    /** "ns/claim" → its directory; loop thread only. */
    private final Map<String, Path> volumes = new HashMap<>();
    /** "ns/claim" of claims to delete once their pod's process has stopped (whenScaled: Delete). */
    private final Set<String> condemnedClaims = new HashSet<>();
    /** "ns/claim" → the UID of the claim its directory belongs to; loop thread only. */
    private final Map<String, String> claimUids = new HashMap<>();

    private final ArrayBlockingQueue<String> events = new ArrayBlockingQueue<>(MAX_EVENTS);
    private SharedIndexInformer<StatefulSet> statefulSets;
    private SharedIndexInformer<Pod> pods;
    private SharedIndexInformer<PersistentVolumeClaim> claims;
    private SharedIndexInformer<Secret> secrets;
    private SharedIndexInformer<Job> jobs;
    /** "ns/pod" → what its container became (termination message file and policy); loop thread only. */
    private final Map<String, PodEnvironment> environments = new HashMap<>();
    /** "ns/pod" → its Secret volumes (directory → Secret name); loop thread only. */
    private final Map<String, Map<Path, String>> secretVolumes = new HashMap<>();

    private volatile PreStopHook preStopHook = (ns, pod) -> {};
    private long lastGcNanos;
    private int launches;

    public SimulatedKubelet(KubernetesClient client, PodNetwork network, Settings settings) {
        this.client = client;
        this.network = network;
        this.settings = settings;
        this.gc = new OwnerGarbageCollector(client);
        this.jobController = new JobController(client, this::record);
        this.statuses = new KubeletPodStatus(settings.workDir().resolve("logs"), environments::get);
    }

    /** Starts watching and the loop. */
    public SimulatedKubelet start() {
        ResourceEventHandler<Object> kick = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object obj) {
                kick();
            }

            @Override
            public void onUpdate(Object oldObj, Object newObj) {
                kick();
            }

            @Override
            public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
                kick();
            }
        };
        statefulSets = client.apps().statefulSets().inAnyNamespace().inform(cast(kick), 0);
        pods = client.pods().inAnyNamespace().inform(cast(kick), 0);
        claims = client.persistentVolumeClaims().inAnyNamespace().inform(cast(kick), 0);
        secrets = client.secrets().inAnyNamespace().inform(cast(kick), 0);
        jobs = client.batch().v1().jobs().inAnyNamespace().inform(cast(kick), 0);
        loop.scheduleWithFixedDelay(this::syncSafely, 0, RESYNC_MS, TimeUnit.MILLISECONDS);
        return this;
    }

    @SuppressWarnings("unchecked")
    private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> handler) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) handler;
    }

    /** Runs on the termination pool before a deleted pod's process gets SIGTERM. */
    @FunctionalInterface
    public interface PreStopHook {
        void beforeStop(String namespace, String pod);
    }

    // ------------------------------------------------------------------ what tests use

    /**
     * Observes each deleted pod's process just before SIGTERM (e.g. asks the node its role); must
     * be quick: it delays the termination.
     */
    public void onPreStop(PreStopHook hook) {
        this.preStopHook = hook;
    }

    /** The running node process of pod {@code ns/pod}, if its container is up. */
    public Optional<JvmProcess> process(String namespace, String pod) {
        return Optional.ofNullable(runtimes.get(namespace + "/" + pod)).map(PodRuntime::process);
    }

    /** SIGKILL of the container of {@code ns/pod} (the kubelet restarts it, as after an OOM kill). */
    public JvmProcess killContainer(String namespace, String pod) {
        JvmProcess p = process(namespace, pod)
                .orElseThrow(() -> new IllegalStateException(
                        "pod " + namespace + "/" + pod + " has no running container; runtimes: " + runtimes));
        p.kill();
        record("SIGKILL " + p);
        return p;
    }

    /**
     * SIGKILL of the container of {@code ns/pod}, which then stays down (the kubelet does not
     * restart it): a member that is gone until someone acts, as a failed machine would be.
     */
    public JvmProcess killAndHoldDown(String namespace, String pod) {
        PodRuntime runtime = runtimes.get(namespace + "/" + pod);
        if (runtime == null) {
            throw new IllegalStateException("no pod " + namespace + "/" + pod + "; runtimes: " + runtimes);
        }
        runtime.holdDown();
        JvmProcess killed = killContainer(namespace, pod);
        record("held down " + namespace + "/" + pod);
        return killed;
    }

    /** Undoes {@link #killAndHoldDown}: the kubelet starts the container again (after its back-off). */
    public void release(String namespace, String pod) {
        PodRuntime runtime = runtimes.get(namespace + "/" + pod);
        if (runtime == null) {
            throw new IllegalStateException("no pod " + namespace + "/" + pod + "; runtimes: " + runtimes);
        }
        runtime.release();
        record("released " + namespace + "/" + pod);
        kick();
    }

    /** Pods whose process still holds its address and volume (running, restarting, stopping). */
    public List<String> podsWithProcesses() {
        return runtimes.values().stream()
                .filter(PodRuntime::holdsResources)
                .map(r -> r.namespace() + "/" + r.podName())
                .sorted()
                .toList();
    }

    /** Whether the data directory of claim {@code ns/claim} exists on disk. */
    /** The directory that stands for PersistentVolumeClaim {@code claim}'s volume. */
    public Path claimDirectory(String namespace, String claim) {
        return volumeDir(namespace, claim);
    }

    public boolean volumeExists(String namespace, String claim) {
        return Files.exists(volumeDir(namespace, claim));
    }

    /** The loopback {@code ip:port} of the client port of pod {@code ordinal} of {@code sts}. */
    public String clientAddress(String namespace, String sts, int ordinal) {
        return network.podIp(namespace, sts, ordinal) + ":" + PodNetwork.CLIENT_PORT;
    }

    /** Node processes started so far (first starts and restarts). */
    public int launches() {
        return launches;
    }

    /** What the kubelet did, oldest first (bounded), for failure messages. */
    public List<String> events() {
        return List.copyOf(events);
    }

    /** The last lines of the current log of each pod's process. */
    public String logTails(int lines) {
        StringBuilder b = new StringBuilder();
        runtimes.values().forEach(r -> {
            JvmProcess p = r.process();
            if (p != null) {
                b.append("--- ").append(r).append('\n').append(p.tail(lines)).append('\n');
            }
        });
        return b.toString();
    }

    // ------------------------------------------------------------------ the loop

    private void kick() {
        if (kicked.compareAndSet(false, true)) {
            loop.execute(() -> {
                kicked.set(false);
                syncSafely();
            });
        }
    }

    private void syncSafely() {
        try {
            sync();
        } catch (RuntimeException e) {
            record("sync failed: " + e);
        }
    }

    private void sync() {
        Map<String, Pod> podsByKey = new LinkedHashMap<>();
        pods.getStore()
                .list()
                .forEach(p -> podsByKey.put(
                        key(p.getMetadata().getNamespace(), p.getMetadata().getName()), p));
        Set<String> claimKeys = new HashSet<>();
        claims.getStore()
                .list()
                .forEach(c -> claimKeys.add(
                        key(c.getMetadata().getNamespace(), c.getMetadata().getName())));
        stopRuntimesOfDeletedPods(podsByKey);
        wipeRecreatedClaims(claims.getStore().list());
        List<StatefulSet> sets = statefulSets.getStore().list();
        for (StatefulSet sts : sets) {
            controlStatefulSet(sts, podsByKey, claimKeys);
        }
        List<Job> jobList = jobs.getStore().list();
        Instant now = Instant.now();
        for (Job job : jobList) {
            jobController.control(job, List.copyOf(podsByKey.values()), now);
        }
        for (Pod pod : podsByKey.values()) {
            Optional<StatefulSet> sts = ownerOf(pod, sets);
            if (sts.isPresent()) {
                runPod(pod, () -> newRuntime(sts.get(), pod), true);
            } else if (JobController.ownerOf(pod, jobList).isPresent()) {
                runPod(pod, () -> newJobRuntime(pod), false);
            }
        }
        releaseVolumes(claimKeys);
        if (System.nanoTime() - lastGcNanos > TimeUnit.MILLISECONDS.toNanos(GC_PERIOD_MS)) {
            lastGcNanos = System.nanoTime();
            gc.sweep().forEach(o -> record("garbage-collected " + o));
        }
    }

    /** Kubelet: a runtime whose pod is gone (or replaced under the same name) stops. */
    private void stopRuntimesOfDeletedPods(Map<String, Pod> podsByKey) {
        for (var e : new ArrayList<>(runtimes.entrySet())) {
            PodRuntime r = e.getValue();
            Pod pod = podsByKey.get(e.getKey());
            boolean gone = pod == null
                    || !pod.getMetadata().getUid().equals(r.uid())
                    || pod.getMetadata().getDeletionTimestamp() != null;
            if (gone && r.state() != PodRuntime.State.TERMINATING && r.state() != PodRuntime.State.STOPPED) {
                Duration grace = Optional.ofNullable(pod)
                        .map(p -> p.getSpec().getTerminationGracePeriodSeconds())
                        .map(Duration::ofSeconds)
                        .filter(d -> d.compareTo(MAX_GRACE) < 0)
                        .orElse(MAX_GRACE);
                record("pod " + e.getKey() + " deleted: SIGTERM to its process, grace " + grace);
                PreStopHook hook = preStopHook;
                r.beginTermination(terminations, grace, () -> hook.beforeStop(r.namespace(), r.podName()));
            }
            if (r.state() == PodRuntime.State.STOPPED) {
                runtimes.remove(e.getKey(), r);
                secretVolumes.remove(e.getKey());
                environments.keySet().removeIf(k -> k.equals(e.getKey()) || k.startsWith(e.getKey() + "#"));
                Optional.ofNullable(probeTasks.remove(r)).ifPresent(f -> f.cancel(false));
                record("pod " + e.getKey() + " stopped");
            }
        }
    }

    /** StatefulSet controller: pods and claims for ordinals below replicas, none above; status. */
    private void controlStatefulSet(StatefulSet sts, Map<String, Pod> podsByKey, Set<String> claimKeys) {
        String ns = sts.getMetadata().getNamespace();
        int replicas = StatefulSetRules.replicas(sts);
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            String key = key(ns, StatefulSetRules.podName(sts, ordinal));
            if (podsByKey.containsKey(key) || runtimes.containsKey(key)) {
                continue;
            }
            for (PersistentVolumeClaim claim :
                    StatefulSetRules.claims(sts, ordinal).values()) {
                String claimKey = key(ns, claim.getMetadata().getName());
                condemnedClaims.remove(claimKey);
                if (!claimKeys.contains(claimKey)) {
                    createIgnoringConflict(claim);
                    record("created PVC " + claimKey);
                }
            }
            createIgnoringConflict(StatefulSetRules.newPod(sts, ordinal));
            record("created pod " + key + " (revision " + StatefulSetRules.revision(sts) + ")");
        }
        List<Pod> owned = new ArrayList<>();
        for (Pod pod : podsByKey.values()) {
            if (!ownedBy(pod, sts)) {
                continue;
            }
            int ordinal = StatefulSetRules.ordinalOf(sts, pod.getMetadata().getName());
            if (ordinal >= replicas || ordinal < 0) {
                deleteIgnoringNotFound(pod);
                record("scale-down: deleted pod " + ns + "/" + pod.getMetadata().getName());
                if (ordinal >= 0 && StatefulSetRules.deleteClaimsOnScaleDown(sts)) {
                    StatefulSetRules.claims(sts, ordinal)
                            .values()
                            .forEach(c ->
                                    condemnedClaims.add(key(ns, c.getMetadata().getName())));
                }
            } else {
                owned.add(pod);
            }
        }
        StatefulSetStatus status = StatefulSetRules.status(sts, owned, KubeletPodStatus::isReady);
        if (!status.equals(sts.getStatus())) {
            try {
                client.apps()
                        .statefulSets()
                        .inNamespace(ns)
                        .withName(sts.getMetadata().getName())
                        .editStatus(s ->
                                new StatefulSetBuilder(s).withStatus(status).build());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404 && e.getCode() != 409) {
                    throw e;
                }
            }
        }
    }

    /**
     * Kubelet: runs, restarts (unless restartPolicy Never) and reports the pod.
     *
     * @param probed whether readiness comes from the node's {@code /ready} (else: running = ready)
     */
    private void runPod(Pod pod, java.util.function.Supplier<PodRuntime> factory, boolean probed) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        String key = key(ns, name);
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        PodRuntime runtime = runtimes.get(key);
        if (runtime == null) {
            try {
                runtime = factory.get();
            } catch (IllegalStateException e) {
                record("pod " + key + " cannot start yet: " + e.getMessage());
                return;
            }
            runtimes.put(key, runtime);
        }
        if (runtime != null && probed && !probeTasks.containsKey(runtime)) {
            PodRuntime r = runtime;
            probeTasks.put(
                    r,
                    probes.scheduleWithFixedDelay(
                            () -> {
                                if (r.probe(http)) {
                                    kick();
                                }
                            },
                            PROBE_PERIOD_MS,
                            PROBE_PERIOD_MS,
                            TimeUnit.MILLISECONDS));
        }
        if (!runtime.uid().equals(pod.getMetadata().getUid())) {
            return; // the old process of this name is still stopping
        }
        runtime.maintain();
        refreshSecretVolumes(key);
        PodStatus desired = statuses.podStatus(pod, runtime, probed);
        if (!KubeletPodStatus.signature(desired).equals(KubeletPodStatus.signature(pod.getStatus()))) {
            try {
                client.pods()
                        .inNamespace(ns)
                        .withName(name)
                        .editStatus(p -> new PodBuilder(p).withStatus(desired).build());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404 && e.getCode() != 409) {
                    throw e;
                }
            }
        }
    }

    /** Kubelet: brings the pod's Secret volumes up to date with their Secrets. */
    private void refreshSecretVolumes(String podKey) {
        String ns = podKey.substring(0, podKey.indexOf('/'));
        for (var e : secretVolumes.getOrDefault(podKey, Map.of()).entrySet()) {
            Secret secret = secrets.getStore().getByKey(ns + "/" + e.getValue());
            if (secret != null && SecretFiles.write(e.getKey(), secret)) {
                record("pod " + podKey + ": Secret " + e.getValue() + " updated in " + e.getKey());
            }
        }
    }

    private Optional<Secret> secret(String namespace, String name) {
        Secret cached = secrets.getStore().getByKey(namespace + "/" + name);
        return Optional.ofNullable(
                cached != null
                        ? cached
                        : client.secrets().inNamespace(namespace).withName(name).get());
    }

    /** A Job's pod: its container's command, run once, with no address of its own. */
    private PodRuntime newJobRuntime(Pod pod) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        Path podDir = settings.workDir()
                .resolve("pods")
                .resolve(ns)
                .resolve(name + "-" + pod.getMetadata().getUid());
        PodEnvironment environment = PodEnvironment.of(
                Map.of(),
                pod,
                pod.getSpec().getContainers().get(0),
                "127.0.0.1",
                podDir,
                claim -> volumeDir(ns, claim),
                settings.masterUrl(),
                secret -> secret(ns, secret));
        List<String> command = environment.command(
                pod.getSpec().getContainers().get(0), settings.imageFiles(), JOB_JVM_ARGS, network.hostsFile());
        secretVolumes.put(key(ns, name), environment.secretDirs());
        environments.put(key(ns, name), environment);
        record("Job pod " + key(ns, name) + " scheduled (image " + environment.image() + ", volumes "
                + environment.mounts() + ")");
        return new PodRuntime(
                ns,
                name,
                pod.getMetadata().getUid(),
                "127.0.0.1",
                0,
                podDir.resolve("data"),
                environment.image(),
                () -> {
                    launches++;
                    JvmProcess p = JvmProcess.exec(
                            name,
                            command,
                            environment.env(),
                            settings.workDir().resolve("logs").resolve(name + ".log"));
                    record("started " + p + ": " + String.join(" ", command));
                    return p;
                },
                true);
    }

    private PodRuntime newRuntime(StatefulSet sts, Pod pod) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        int ordinal = StatefulSetRules.ordinalOf(sts, name);
        String ip = network.podIp(ns, sts.getMetadata().getName(), ordinal);
        Path podDir = settings.workDir()
                .resolve("pods")
                .resolve(ns)
                .resolve(name + "-" + pod.getMetadata().getUid());
        PodEnvironment environment = PodEnvironment.of(
                sts,
                pod,
                ip,
                podDir,
                claim -> volumeDir(ns, claim),
                settings.masterUrl(),
                secret -> secret(ns, secret));
        secretVolumes.put(key(ns, name), environment.secretDirs());
        environments.put(key(ns, name), environment);
        environment.claims().forEach(claim -> volumes.put(key(ns, claim), volumeDir(ns, claim)));
        List<String> jvmArgs = new ArrayList<>(settings.nodeJvmArgs());
        jvmArgs.addAll(environment.jvmArgs(network.hostsFile()));
        record("pod " + key(ns, name) + " scheduled at " + ip + " (image " + environment.image() + ", volumes "
                + environment.mounts() + ")");
        List<java.util.function.Supplier<JvmProcess>> inits = new ArrayList<>();
        for (Container c :
                Optional.ofNullable(pod.getSpec().getInitContainers()).orElse(List.of())) {
            PodEnvironment ie = PodEnvironment.of(
                    StatefulSetRules.claims(sts, ordinal),
                    pod,
                    c,
                    ip,
                    podDir,
                    claim -> volumeDir(ns, claim),
                    settings.masterUrl(),
                    secret -> secret(ns, secret));
            List<String> command = ie.command(c, settings.imageFiles(), JOB_JVM_ARGS, network.hostsFile());
            environments.put(key(ns, name) + "#" + c.getName(), ie);
            inits.add(() -> {
                JvmProcess p = JvmProcess.exec(
                        name + "/" + c.getName(),
                        command,
                        ie.env(),
                        settings.workDir().resolve("logs").resolve(name + "-" + c.getName() + ".log"));
                record("started init container " + p + ": " + String.join(" ", command));
                return p;
            });
        }
        return new PodRuntime(
                        ns,
                        name,
                        pod.getMetadata().getUid(),
                        ip,
                        environment.probePort(),
                        environment.dataDir(),
                        environment.image(),
                        () -> {
                            launches++;
                            JvmProcess p = JvmProcess.start(
                                    name,
                                    settings.nodeJar(),
                                    jvmArgs,
                                    List.of(),
                                    environment.env(),
                                    settings.workDir().resolve("logs").resolve(name + ".log"));
                            record("started " + p);
                            return p;
                        })
                .withInitContainers(inits);
    }

    /**
     * A claim deleted and created again under the same name (the operator's member repair) is a new,
     * empty volume: its directory is wiped once no process uses it, before a pod runs on it.
     */
    private void wipeRecreatedClaims(List<PersistentVolumeClaim> list) {
        for (PersistentVolumeClaim c : list) {
            String ns = c.getMetadata().getNamespace();
            String name = c.getMetadata().getName();
            String uid = c.getMetadata().getUid();
            String claimKey = key(ns, name);
            String known = claimUids.get(claimKey);
            if (uid == null || uid.equals(known)) {
                continue;
            }
            if (known == null) {
                claimUids.put(claimKey, uid);
                continue;
            }
            Path dir = volumeDir(ns, name);
            boolean inUse = runtimes.values().stream().anyMatch(r -> dir.equals(r.dataDir()) && r.holdsResources());
            if (!inUse) {
                deleteRecursively(dir);
                claimUids.put(claimKey, uid);
                record("PVC " + claimKey + " was created again: its volume " + dir + " starts empty");
            }
        }
    }

    /** Deletes condemned claims whose pod has stopped, and the directories of deleted claims. */
    private void releaseVolumes(Set<String> claimKeys) {
        for (String claim : new ArrayList<>(condemnedClaims)) {
            Path dir = volumes.get(claim);
            boolean inUse = dir != null
                    && runtimes.values().stream().anyMatch(r -> dir.equals(r.dataDir()) && r.holdsResources());
            if (!inUse) {
                String[] nsAndName = claim.split("/", 2);
                client.persistentVolumeClaims()
                        .inNamespace(nsAndName[0])
                        .withName(nsAndName[1])
                        .delete();
                condemnedClaims.remove(claim);
                record("scale-down with whenScaled=Delete: deleted PVC " + claim);
            }
        }
        for (var e : new ArrayList<>(volumes.entrySet())) {
            Path dir = e.getValue();
            boolean inUse = runtimes.values().stream().anyMatch(r -> dir.equals(r.dataDir()) && r.holdsResources());
            if (!claimKeys.contains(e.getKey()) && !inUse) {
                deleteRecursively(dir);
                volumes.remove(e.getKey());
                record("PVC " + e.getKey() + " is gone: deleted its volume " + dir);
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    static boolean isReady(Pod pod) {
        return KubeletPodStatus.isReady(pod);
    }

    private static boolean ownedBy(Pod pod, StatefulSet sts) {
        return Optional.ofNullable(pod.getMetadata().getOwnerReferences()).orElse(List.of()).stream()
                .anyMatch(r -> sts.getMetadata().getUid().equals(r.getUid()));
    }

    private static Optional<StatefulSet> ownerOf(Pod pod, List<StatefulSet> sets) {
        return sets.stream().filter(s -> ownedBy(pod, s)).findFirst();
    }

    private Path volumeDir(String namespace, String claim) {
        return settings.workDir().resolve("volumes").resolve(namespace).resolve(claim);
    }

    private void createIgnoringConflict(io.fabric8.kubernetes.api.model.HasMetadata object) {
        try {
            client.resource(object).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    private void deleteIgnoringNotFound(io.fabric8.kubernetes.api.model.HasMetadata object) {
        try {
            client.resource(object).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    private void record(String event) {
        String line = Instant.now() + " kubelet: " + event;
        System.out.println(line);
        while (!events.offer(line)) {
            events.poll();
        }
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Stops watching and the loop, then every process (SIGTERM, short grace). */
    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Stream.of(statefulSets, pods, claims, secrets, jobs)
                .filter(Objects::nonNull)
                .forEach(i -> i.close());
        probes.shutdownNow();
        runtimes.values().forEach(r -> {
            JvmProcess p = r.process();
            if (p != null) {
                p.terminate(Duration.ofSeconds(5));
            }
        });
        terminations.shutdown();
        try {
            terminations.awaitTermination(MAX_GRACE.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
