package io.raftkv.bench.suite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * CPU-hungry neighbour processes for the steadiness scenarios: {@code n} separate processes, each a
 * shell spinning in a busy loop at the same priority as the systems under test, so that the servers
 * (and the load generator) compete with another program for the machine's CPUs, as they do on a
 * shared node. Started before the scenario's warm-up, killed when it ends (also on failure). Each
 * process also stops by itself: it checks every 100,000 iterations that the benchmark JVM that
 * started it is still alive, and {@code timeout} ends it after {@code maxLife} in any case, so a
 * benchmark killed with SIGKILL leaves no busy loop behind.
 */
final class CpuNeighbour implements AutoCloseable {
    private final List<Process> processes;

    private CpuNeighbour(List<Process> processes) {
        this.processes = processes;
    }

    /** The busy loop: spins, and every 100,000 iterations exits unless process {@code $1} (the benchmark) lives. */
    static final String LOOP =
            "while kill -0 \"$1\" 2>/dev/null; do i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; done";

    /** Starts {@code n} spinning processes (none when {@code n} is 0), each ended after {@code maxLife} at the latest. */
    static CpuNeighbour start(int n, java.time.Duration maxLife) {
        List<Process> started = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                started.add(new ProcessBuilder(
                                "timeout",
                                Long.toString(Math.max(1, maxLife.toSeconds())),
                                "sh",
                                "-c",
                                LOOP,
                                "cpu-neighbour",
                                Long.toString(ProcessHandle.current().pid()))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start());
            }
        } catch (IOException e) {
            started.forEach(Process::destroy);
            throw new UncheckedIOException("cannot start a CPU neighbour process", e);
        }
        return new CpuNeighbour(started);
    }

    /** The started processes (for tests). */
    List<Process> processes() {
        return processes;
    }

    /**
     * Ends every process: SIGTERM, which {@code timeout} passes on to its busy loop (a SIGKILL would
     * end {@code timeout} alone and leave the loop running), then SIGKILL what is left after 5 s.
     */
    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
