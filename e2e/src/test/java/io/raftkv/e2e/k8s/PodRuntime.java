package io.raftkv.e2e.k8s;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The kubelet's side of one pod: its single container as a node JVM, restarted with
 * CrashLoopBackOff-like delays when it exits while the pod exists, its readiness as the node's
 * {@code GET /ready} answers it, and its termination (SIGTERM, then SIGKILL after the grace
 * period) when the pod is deleted.
 *
 * <p>A pod with {@code restartPolicy: Never} (a Job's pod) runs its container once: when it exits
 * the runtime is {@link State#EXITED} with the exit code, and the pod's phase follows it
 * (Succeeded on 0, Failed otherwise).
 *
 * <p>Init containers ({@link #withInitContainers}) run first, one after the other, each to a
 * zero exit; a failed one is restarted with the same back-off (restartPolicy Always), and the main
 * container starts only after the last succeeded. A restart of the main container does not rerun
 * them (as in Kubernetes, where only a new pod sandbox does).
 *
 * <p>Threading: {@link #maintain} and {@link #beginTermination} are called by the kubelet loop
 * only; {@link #probe} by the probe executor; the fields they share are volatile. A pod object
 * and its runtime are tied by the pod's uid: a new pod of the same name gets a new runtime, and
 * only after the old one has stopped.
 */
final class PodRuntime {

    enum State {
        RUNNING,
        BACK_OFF,
        /** restartPolicy Never: the container exited and stays so. */
        EXITED,
        TERMINATING,
        STOPPED
    }

    static final Duration FIRST_BACK_OFF = Duration.ofSeconds(1);
    static final Duration MAX_BACK_OFF = Duration.ofSeconds(10);
    /** A container that ran this long before exiting starts its back-off from the beginning. */
    static final Duration STABLE_RUN = Duration.ofSeconds(30);

    private final String namespace;
    private final String podName;
    private final String uid;
    private final String ip;
    private final int probePort;
    private final Path dataDir;
    private final String image;
    private final Supplier<JvmProcess> launcher;
    private final boolean restartNever;
    private volatile List<Supplier<JvmProcess>> initLaunchers = List.of();
    /** Init containers that completed; the one at this index runs (or waits) while below their count. */
    private volatile int initsDone;
    /** Restarts and the last exit of the current init container. */
    private volatile int initRestarts;

    private volatile Exit initLastExit;

    private volatile State state = State.BACK_OFF;
    private volatile JvmProcess process;
    private volatile boolean ready;
    private volatile int restartCount;
    private long startedAtNanos;
    private long nextStartNanos = System.nanoTime();
    private int crashesInRow;
    /** The last exit of the container (for {@code lastState}/{@code state.terminated}), or null. */
    private volatile Exit lastExit;

    private volatile java.time.Instant startedAt;

    /** How the container last ended: exit code and when it started and finished. */
    record Exit(int exitCode, java.time.Instant startedAt, java.time.Instant finishedAt) {}

    /** Set by {@link #holdDown()}: the container is not started again (a node that stays down). */
    private volatile boolean heldDown;

    /**
     * @param launcher starts the container's process (called again on every restart)
     */
    PodRuntime(
            String namespace,
            String podName,
            String uid,
            String ip,
            int probePort,
            Path dataDir,
            String image,
            Supplier<JvmProcess> launcher) {
        this(namespace, podName, uid, ip, probePort, dataDir, image, launcher, false);
    }

    /**
     * @param restartNever {@code restartPolicy: Never}: the container runs once
     */
    PodRuntime(
            String namespace,
            String podName,
            String uid,
            String ip,
            int probePort,
            Path dataDir,
            String image,
            Supplier<JvmProcess> launcher,
            boolean restartNever) {
        this.restartNever = restartNever;
        this.namespace = namespace;
        this.podName = podName;
        this.uid = uid;
        this.ip = ip;
        this.probePort = probePort;
        this.dataDir = dataDir;
        this.image = image;
        this.launcher = launcher;
    }

    String namespace() {
        return namespace;
    }

    String podName() {
        return podName;
    }

    String uid() {
        return uid;
    }

    String ip() {
        return ip;
    }

    Path dataDir() {
        return dataDir;
    }

    String image() {
        return image;
    }

    State state() {
        return state;
    }

    boolean ready() {
        return ready && state == State.RUNNING;
    }

    int restartCount() {
        return restartCount;
    }

    /** Init containers to run before the main one, in order (set before the first {@link #maintain}). */
    PodRuntime withInitContainers(List<Supplier<JvmProcess>> launchers) {
        this.initLaunchers = List.copyOf(launchers);
        return this;
    }

    /** How many init containers completed. */
    int initsDone() {
        return initsDone;
    }

    /** Restarts of the current init container. */
    int initRestarts() {
        return initRestarts;
    }

    /** The last exit of the current (or, when all are done, the last) init container, or null. */
    Exit initLastExit() {
        return initLastExit;
    }

    /** Whether an init container runs (or waits to be restarted) rather than the main one. */
    boolean initializing() {
        return initsDone < initLaunchers.size();
    }

    /** The container's last exit, or null while it has not exited yet. */
    Exit lastExit() {
        return lastExit;
    }

    /** When the running container started, or null. */
    java.time.Instant startedAt() {
        return startedAt;
    }

    /** The running process, or null between restarts and after the pod stopped. */
    JvmProcess process() {
        return state == State.RUNNING ? process : null;
    }

    /** From now on the container is not restarted when it exits (its pod stays, not ready). */
    void holdDown() {
        heldDown = true;
    }

    /** The container is restarted again when it is down (after its back-off). */
    void release() {
        heldDown = false;
    }

    /** Whether the pod's process still holds its ports and volume. */
    boolean holdsResources() {
        return state != State.STOPPED && state != State.EXITED;
    }

    /**
     * Kubelet loop: starts the container when its back-off has passed, notices that it exited.
     *
     * @return whether anything visible in the pod status changed
     */
    boolean maintain() {
        long now = System.nanoTime();
        if (state == State.RUNNING && !process.alive() && initializing()) {
            initLastExit = new Exit(process.exitCode(), startedAt, java.time.Instant.now());
            if (initLastExit.exitCode() == 0) {
                initsDone++;
                initRestarts = 0;
                crashesInRow = 0;
                nextStartNanos = now;
            } else {
                initRestarts++;
                crashesInRow++;
                nextStartNanos = now + backOff(crashesInRow).toNanos();
            }
            state = State.BACK_OFF;
            return true;
        }
        if (state == State.RUNNING && !process.alive()) {
            ready = false;
            lastExit = new Exit(process.exitCode(), startedAt, java.time.Instant.now());
            if (restartNever) {
                state = State.EXITED;
                return true;
            }
            restartCount++;
            boolean stable = now - startedAtNanos > STABLE_RUN.toNanos();
            crashesInRow = stable ? 1 : crashesInRow + 1;
            nextStartNanos = now + backOff(crashesInRow).toNanos();
            state = State.BACK_OFF;
            return true;
        }
        if (state == State.BACK_OFF && !heldDown && now - nextStartNanos >= 0) {
            process = initializing() ? initLaunchers.get(initsDone).get() : launcher.get();
            startedAtNanos = now;
            startedAt = java.time.Instant.now();
            state = State.RUNNING;
            return true;
        }
        return false;
    }

    private static Duration backOff(int crashesInRow) {
        return Duration.ofMillis(
                Math.min(MAX_BACK_OFF.toMillis(), FIRST_BACK_OFF.toMillis() << Math.min(crashesInRow - 1, 10)));
    }

    /**
     * Kubelet loop: the pod is gone; on {@code executor} runs {@code preStop} (when the process
     * runs), then stops the process (SIGTERM, SIGKILL after {@code grace}).
     */
    void beginTermination(Executor executor, Duration grace, Runnable preStop) {
        if (state == State.TERMINATING || state == State.STOPPED) {
            return;
        }
        ready = false;
        JvmProcess p = process;
        state = State.TERMINATING;
        executor.execute(() -> {
            if (p != null && p.alive()) {
                try {
                    preStop.run();
                } finally {
                    p.terminate(grace);
                }
            }
            state = State.STOPPED;
        });
    }

    /** Probe executor: one readiness probe ({@code GET /ready} on the probe port, 1 s deadline). */
    boolean probe(HttpClient http) {
        JvmProcess p = process;
        boolean nowReady = false;
        if (state == State.RUNNING && p != null && p.alive()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + ip + ":" + probePort + "/ready"))
                    .timeout(Duration.ofSeconds(1))
                    .GET()
                    .build();
            try {
                nowReady = http.send(request, HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200;
            } catch (java.io.IOException e) {
                nowReady = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        boolean changed = nowReady != ready;
        ready = nowReady;
        return changed;
    }

    @Override
    public String toString() {
        return namespace + "/" + podName + " [" + state + ", ready=" + ready + ", restarts=" + restartCount
                + (process != null ? ", " + process : "") + "]";
    }
}
