package io.raftkv.e2e.k8s;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The kubelet's side of one pod: its single container as a node JVM, restarted with
 * CrashLoopBackOff-like delays when it exits while the pod exists, its readiness as the node's
 * {@code GET /ready} answers it, and its termination (SIGTERM, then SIGKILL after the grace
 * period) when the pod is deleted.
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

    private volatile State state = State.BACK_OFF;
    private volatile JvmProcess process;
    private volatile boolean ready;
    private volatile int restartCount;
    private long startedAtNanos;
    private long nextStartNanos = System.nanoTime();
    private int crashesInRow;
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

    /** The running process, or null between restarts and after the pod stopped. */
    JvmProcess process() {
        return state == State.RUNNING ? process : null;
    }

    /** From now on the container is not restarted when it exits (its pod stays, not ready). */
    void holdDown() {
        heldDown = true;
    }

    /** Whether the pod's process still holds its ports and volume. */
    boolean holdsResources() {
        return state != State.STOPPED;
    }

    /**
     * Kubelet loop: starts the container when its back-off has passed, notices that it exited.
     *
     * @return whether anything visible in the pod status changed
     */
    boolean maintain() {
        long now = System.nanoTime();
        if (state == State.RUNNING && !process.alive()) {
            ready = false;
            restartCount++;
            boolean stable = now - startedAtNanos > STABLE_RUN.toNanos();
            crashesInRow = stable ? 1 : crashesInRow + 1;
            long backOff =
                    Math.min(MAX_BACK_OFF.toMillis(), FIRST_BACK_OFF.toMillis() << Math.min(crashesInRow - 1, 10));
            nextStartNanos = now + Duration.ofMillis(backOff).toNanos();
            state = State.BACK_OFF;
            return true;
        }
        if (state == State.BACK_OFF && !heldDown && now - nextStartNanos >= 0) {
            process = launcher.get();
            startedAtNanos = now;
            state = State.RUNNING;
            return true;
        }
        return false;
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
