package io.raftkv.bench.load;

import io.raftkv.bench.spi.TargetCallException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Thread-safe sink for completed operations. An operation counts toward the result only if it
 * <em>completes</em> inside the measurement window {@code [windowStartNanos, windowEndNanos)};
 * throughput is then the window's count over the window's length. Everything, warm-up included,
 * also feeds the progress line.
 *
 * <p>Latencies are recorded in microseconds, 1 µs to one hour, three significant digits; a longer
 * one is recorded as one hour (never dropped).
 */
public final class Measurement {
    /** Error code of an open-loop operation that was due but not issued: too many in flight. */
    public static final String CLIENT_BACKLOG = "CLIENT_BACKLOG";

    static final long HIGHEST_TRACKABLE_MICROS = 3_600_000_000L;
    private static final int SIGNIFICANT_DIGITS = 3;

    private final long windowStartNanos;
    private final long windowEndNanos;
    private final Recorder window = new Recorder(1, HIGHEST_TRACKABLE_MICROS, SIGNIFICANT_DIGITS);
    private final Recorder progress = new Recorder(1, HIGHEST_TRACKABLE_MICROS, SIGNIFICANT_DIGITS);
    private final Map<String, LongAdder> windowErrors = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> allErrors = new ConcurrentHashMap<>();
    private final LongAdder progressErrors = new LongAdder();
    /** The first message seen per code, so a report can say what went wrong, not just how often. */
    private final Map<String, String> firstMessages = new ConcurrentHashMap<>();

    public Measurement(long windowStartNanos, long windowEndNanos) {
        if (windowEndNanos <= windowStartNanos) {
            throw new IllegalArgumentException("empty measurement window");
        }
        this.windowStartNanos = windowStartNanos;
        this.windowEndNanos = windowEndNanos;
    }

    public long windowStartNanos() {
        return windowStartNanos;
    }

    public long windowEndNanos() {
        return windowEndNanos;
    }

    /** An operation that started (or was due) at {@code startNanos} succeeded at {@code endNanos}. */
    public void success(long startNanos, long endNanos) {
        long micros = Math.min(HIGHEST_TRACKABLE_MICROS, Math.max(1, (endNanos - startNanos) / 1_000));
        progress.recordValue(micros);
        if (inWindow(endNanos)) {
            window.recordValue(micros);
        }
    }

    /** An operation failed at {@code endNanos} with {@code code} (a gRPC status code name). */
    public void failure(String code, long endNanos) {
        progressErrors.increment();
        allErrors.computeIfAbsent(code, c -> new LongAdder()).increment();
        if (inWindow(endNanos)) {
            windowErrors.computeIfAbsent(code, c -> new LongAdder()).increment();
        }
    }

    /** An operation failed with {@code error}; see {@link #codeOf(Throwable)}. */
    public void failure(Throwable error, long endNanos) {
        String code = codeOf(error);
        if (!firstMessages.containsKey(code)) {
            firstMessages.putIfAbsent(code, messageOf(error));
        }
        failure(code, endNanos);
    }

    private static String messageOf(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String m = String.valueOf(t.getMessage());
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }

    /** The first message seen for each error code, sorted by code. */
    Map<String, String> errorSamples() {
        return new TreeMap<>(firstMessages);
    }

    /**
     * The gRPC status code name of a failed call: a {@link TargetCallException}'s code, or
     * DEADLINE_EXCEEDED for a local timeout, or UNKNOWN for anything a target failed to classify.
     */
    public static String codeOf(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof TargetCallException tce) {
            return tce.code();
        }
        if (t instanceof TimeoutException) {
            return "DEADLINE_EXCEEDED";
        }
        return "UNKNOWN";
    }

    private boolean inWindow(long nanos) {
        return nanos - windowStartNanos >= 0 && nanos - windowEndNanos < 0;
    }

    /** Successes recorded since the previous call (all phases); for the progress line only. */
    Histogram takeProgressInterval() {
        return progress.getIntervalHistogram();
    }

    /** Errors since the start (all phases). */
    long progressErrorCount() {
        return progressErrors.sum();
    }

    /** The successes that completed in the window. Call once, after the run. */
    Histogram takeWindowHistogram() {
        return window.getIntervalHistogram();
    }

    /** Errors that happened in the window, by code, sorted by code. */
    Map<String, Long> windowErrors() {
        return snapshot(windowErrors);
    }

    /** Errors of the whole run (warm-up included), by code. */
    Map<String, Long> allErrors() {
        return snapshot(allErrors);
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
