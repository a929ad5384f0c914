package io.raftkv.chaos.run;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * The run's event log ({@code events.log}): what the harness did and saw, one line each, stamped
 * with wall-clock time and with the offset on the history's monotonic clock, in milliseconds from
 * the workload's start (within a millisecond of the first call, the origin of the checker's
 * reports), so a fault lines up with the operations around it. Thread-safe.
 */
final class RunEvents implements Closeable {
    private final BufferedWriter out;
    private final LongSupplier clock;
    private volatile long originNs;

    RunEvents(Path file, LongSupplier clock) throws IOException {
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        this.clock = clock;
        this.originNs = clock.getAsLong();
    }

    /** Offsets from now on are relative to {@code originNs} (the workload's start). */
    void setOrigin(long originNs) {
        this.originNs = originNs;
    }

    synchronized void log(String event) {
        try {
            out.write(String.format("%s %+10.3f ms  %s%n", Instant.now(), (clock.getAsLong() - originNs) / 1e6, event));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the event log", e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
