package io.raftkv.e2e.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateRunning;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The status the simulated kubelet writes for a pod from its {@link PodRuntime}: phase (Pending
 * while init containers run, Succeeded/Failed for a container that runs once), Ready, and per
 * container {@code state}/{@code lastState} — running, waiting (PodInitializing, CrashLoopBackOff)
 * or terminated with the exit code and the termination message (the file at
 * {@code terminationMessagePath}, at most 4096 bytes; with {@code FallbackToLogsOnError} and a
 * failure, the log's last 80 lines, at most 2048 bytes) — and the init containers' statuses.
 */
final class KubeletPodStatus {

    private final Path logs;
    /** "ns/pod" (main container) or "ns/pod#init" → what the container became. */
    private final Function<String, PodEnvironment> environments;

    KubeletPodStatus(Path logs, Function<String, PodEnvironment> environments) {
        this.logs = logs;
        this.environments = environments;
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    PodStatus podStatus(Pod pod, PodRuntime runtime, boolean probed) {
        boolean started =
                !runtime.initializing() && (runtime.restartCount() > 0 || runtime.state() == PodRuntime.State.RUNNING);
        boolean exited = runtime.state() == PodRuntime.State.EXITED;
        boolean ready =
                !runtime.initializing() && (probed ? runtime.ready() : runtime.state() == PodRuntime.State.RUNNING);
        String phase = exited
                ? (runtime.lastExit().exitCode() == 0 ? "Succeeded" : "Failed")
                : started ? "Running" : "Pending";
        ContainerState state = new ContainerState();
        ContainerState lastState = new ContainerState();
        PodRuntime.Exit exit = runtime.lastExit();
        String key = key(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
        Container main = pod.getSpec().getContainers().get(0);
        String log = pod.getMetadata().getName() + ".log";
        if (exited) {
            state.setTerminated(terminated(main, key, log, exit));
        } else if (runtime.state() == PodRuntime.State.RUNNING && !runtime.initializing()) {
            state.setRunning(new ContainerStateRunning(String.valueOf(runtime.startedAt())));
            if (exit != null) {
                lastState.setTerminated(terminated(main, key, log, exit));
            }
        } else {
            state.setWaiting(new ContainerStateWaiting(
                    null,
                    runtime.initializing()
                            ? "PodInitializing"
                            : runtime.restartCount() > 0 ? "CrashLoopBackOff" : "ContainerCreating"));
            if (exit != null) {
                lastState.setTerminated(terminated(main, key, log, exit));
            }
        }
        List<ContainerStatus> initStatuses = initContainerStatuses(pod, runtime, key);
        String since = Optional.ofNullable(pod.getStatus())
                .map(PodStatus::getStartTime)
                .orElse(Instant.now().toString());
        String readyText = ready ? "True" : "False";
        return new PodStatusBuilder()
                .withPhase(phase)
                .withPodIP(runtime.ip())
                .withHostIP("127.0.0.1")
                .withStartTime(since)
                .addNewCondition()
                .withType("Ready")
                .withStatus(readyText)
                .endCondition()
                .addNewCondition()
                .withType("ContainersReady")
                .withStatus(readyText)
                .endCondition()
                .addToContainerStatuses(new ContainerStatusBuilder()
                        .withName(pod.getSpec().getContainers().get(0).getName())
                        .withImage(runtime.image())
                        .withReady(ready)
                        .withStarted(runtime.state() == PodRuntime.State.RUNNING)
                        .withRestartCount(runtime.restartCount())
                        .withState(state)
                        .withLastState(lastState)
                        .build())
                .withInitContainerStatuses(initStatuses)
                .build();
    }

    /** One status per init container: completed ones terminated with 0, the current one running or failed. */
    private List<ContainerStatus> initContainerStatuses(Pod pod, PodRuntime runtime, String key) {
        List<Container> inits =
                Optional.ofNullable(pod.getSpec().getInitContainers()).orElse(List.of());
        List<ContainerStatus> out = new ArrayList<>();
        for (int i = 0; i < inits.size(); i++) {
            Container c = inits.get(i);
            String envKey = key + "#" + c.getName();
            String log = pod.getMetadata().getName() + "-" + c.getName() + ".log";
            ContainerState state = new ContainerState();
            ContainerState lastState = new ContainerState();
            int restarts = 0;
            if (i < runtime.initsDone()) {
                PodRuntime.Exit done = i == runtime.initsDone() - 1 && runtime.initLastExit() != null
                        ? runtime.initLastExit()
                        : new PodRuntime.Exit(0, null, Instant.now());
                state.setTerminated(terminated(c, envKey, log, done));
            } else if (i == runtime.initsDone()) {
                restarts = runtime.initRestarts();
                PodRuntime.Exit failed = runtime.initLastExit();
                if (runtime.state() == PodRuntime.State.RUNNING) {
                    state.setRunning(new ContainerStateRunning(String.valueOf(runtime.startedAt())));
                } else {
                    state.setWaiting(
                            new ContainerStateWaiting(null, restarts > 0 ? "CrashLoopBackOff" : "PodInitializing"));
                }
                if (failed != null && restarts > 0) {
                    lastState.setTerminated(terminated(c, envKey, log, failed));
                }
            } else {
                state.setWaiting(new ContainerStateWaiting(null, "PodInitializing"));
            }
            out.add(new ContainerStatusBuilder()
                    .withName(c.getName())
                    .withImage(c.getImage())
                    .withReady(i < runtime.initsDone())
                    .withRestartCount(restarts)
                    .withState(state)
                    .withLastState(lastState)
                    .build());
        }
        return out;
    }

    /**
     * A terminated container state: the exit code, and the termination message — the file at the
     * container's {@code terminationMessagePath} (at most 4096 bytes), or with
     * {@code FallbackToLogsOnError} and a failure the last 80 log lines (at most 2048 bytes).
     */
    private ContainerStateTerminated terminated(Container container, String envKey, String log, PodRuntime.Exit exit) {
        PodEnvironment env = environments.apply(envKey);
        String message = null;
        if (env != null) {
            message = readAtMost(env.terminationLog(), 4096);
            String policy = container.getTerminationMessagePolicy();
            if ((message == null || message.isBlank())
                    && exit.exitCode() != 0
                    && "FallbackToLogsOnError".equals(policy)) {
                String tail = JvmProcess.tail(logs.resolve(log), 80);
                message = tail.length() > 2048 ? tail.substring(tail.length() - 2048) : tail;
            }
        }
        return new ContainerStateTerminatedBuilder()
                .withExitCode(exit.exitCode())
                .withReason(exit.exitCode() == 0 ? "Completed" : "Error")
                .withMessage(message == null || message.isBlank() ? null : message)
                .withStartedAt(String.valueOf(exit.startedAt()))
                .withFinishedAt(exit.finishedAt().toString())
                .build();
    }

    private static String readAtMost(Path file, int bytes) {
        try (var in = Files.newInputStream(file)) {
            return new String(in.readNBytes(bytes), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    /** What the loop compares to decide whether a status patch is needed. */
    static String signature(PodStatus s) {
        if (s == null) {
            return "";
        }
        int restarts = s.getContainerStatuses() == null
                        || s.getContainerStatuses().isEmpty()
                ? -1
                : Objects.requireNonNullElse(s.getContainerStatuses().get(0).getRestartCount(), -1);
        String exits = s.getContainerStatuses() == null
                ? ""
                : s.getContainerStatuses().stream()
                        .map(c -> exitCode(c.getState()) + "/" + exitCode(c.getLastState()))
                        .toList()
                        .toString();
        String inits = s.getInitContainerStatuses() == null
                ? ""
                : s.getInitContainerStatuses().stream()
                        .map(c -> exitCode(c.getState()) + "/" + exitCode(c.getLastState()) + "/" + c.getRestartCount())
                        .toList()
                        .toString();
        return s.getPhase() + "|" + s.getPodIP() + "|" + readyCondition(s) + "|" + restarts + "|" + exits + "|" + inits;
    }

    private static String exitCode(ContainerState state) {
        return state == null || state.getTerminated() == null
                ? "-"
                : String.valueOf(state.getTerminated().getExitCode());
    }

    static boolean isReady(Pod pod) {
        return pod.getStatus() != null && "True".equals(readyCondition(pod.getStatus()));
    }

    private static String readyCondition(PodStatus s) {
        return Optional.ofNullable(s.getConditions()).orElse(List.of()).stream()
                .filter(c -> "Ready".equals(c.getType()))
                .map(PodCondition::getStatus)
                .findFirst()
                .orElse("");
    }
}
