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
 * shared node. Started before the scenario's warm-up, killed when it ends (also on failure).
 */
final class CpuNeighbour implements AutoCloseable {
    private final List<Process> processes;

    private CpuNeighbour(List<Process> processes) {
        this.processes = processes;
    }

    /** Starts {@code n} spinning processes (none when {@code n} is 0). */
    static CpuNeighbour start(int n) {
        List<Process> started = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                started.add(new ProcessBuilder("sh", "-c", "while :; do :; done")
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start());
            }
        } catch (IOException e) {
            started.forEach(Process::destroyForcibly);
            throw new UncheckedIOException("cannot start a CPU neighbour process", e);
        }
        return new CpuNeighbour(started);
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
