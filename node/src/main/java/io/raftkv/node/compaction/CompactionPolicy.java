package io.raftkv.node.compaction;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When and where to compact automatically, etcd's two modes, on a clock the caller passes in
 * (monotonic nanoseconds), so it is deterministic and tested on virtual time. Not thread-safe:
 * confined to one context ({@link AutoCompactor} does).
 *
 * <ul>
 *   <li><b>periodic</b> (retention a duration): every {@link #tickInterval()} (a tenth of
 *       min(retention, 1 h)) the member samples its applied revision; at most once every
 *       min(retention, 1 h) it compacts at the newest revision it sampled at least
 *       {@code retention} ago. So at least the last {@code retention} of history is always kept.
 *       Followers sample too (their applied revision is never ahead of the leader's), so a new
 *       leader can go on compacting without first waiting a whole retention period.
 *   <li><b>revision</b> (retention a number of revisions): every {@link #REVISION_INTERVAL} it
 *       compacts at {@code current - retention}, so the last {@code retention} revisions are kept.
 * </ul>
 *
 * A retention of 0 (or "0") turns automatic compaction off. A target at or below the compact
 * revision is never proposed (nothing to do, or someone compacted further by hand).
 */
public final class CompactionPolicy {
    /** How often revision mode compacts (etcd's value). */
    public static final Duration REVISION_INTERVAL = Duration.ofMinutes(5);

    /** Periodic mode compacts at most this often, however long the retention. */
    static final Duration MAX_PERIODIC_INTERVAL = Duration.ofHours(1);

    /** Modes of {@code --auto-compaction-mode}. */
    public enum Mode {
        PERIODIC,
        REVISION
    }

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
    private static final CompactionPolicy OFF = new CompactionPolicy(Mode.PERIODIC, 0, 0, Duration.ZERO);

    private final Mode mode;
    private final long retentionNanos;
    private final long retainRevisions;
    private final Duration tickInterval;
    private final long compactIntervalNanos;
    /** Periodic mode: (time, revision) samples, oldest first, bounded by retention / tick + 2. */
    private final Deque<long[]> samples = new ArrayDeque<>();

    private long lastCompactionNanos;
    private boolean compactedOnce;

    private CompactionPolicy(Mode mode, long retentionNanos, long retainRevisions, Duration tickInterval) {
        this.mode = mode;
        this.retentionNanos = retentionNanos;
        this.retainRevisions = retainRevisions;
        this.tickInterval = tickInterval;
        this.compactIntervalNanos = mode == Mode.PERIODIC
                ? Math.min(retentionNanos, MAX_PERIODIC_INTERVAL.toNanos())
                : REVISION_INTERVAL.toNanos();
    }

    /** No automatic compaction. */
    public static CompactionPolicy off() {
        return OFF;
    }

    /** Keeps at least {@code retention} of history (zero: off). */
    public static CompactionPolicy periodic(Duration retention) {
        if (retention.isNegative()) {
            throw new IllegalArgumentException("retention must not be negative, got " + retention);
        }
        if (retention.isZero()) {
            return OFF;
        }
        if (retention.toMillis() < 10) {
            throw new IllegalArgumentException("periodic retention must be at least 10ms, got " + retention);
        }
        long compactEvery = Math.min(retention.toNanos(), MAX_PERIODIC_INTERVAL.toNanos());
        return new CompactionPolicy(Mode.PERIODIC, retention.toNanos(), 0, Duration.ofNanos(compactEvery / 10));
    }

    /** Keeps the last {@code retain} revisions (zero: off). */
    public static CompactionPolicy revision(long retain) {
        if (retain < 0) {
            throw new IllegalArgumentException("retention must not be negative, got " + retain);
        }
        if (retain == 0) {
            return OFF;
        }
        return new CompactionPolicy(Mode.REVISION, 0, retain, REVISION_INTERVAL);
    }

    /**
     * Parses the flags as etcd does: in periodic mode the retention is a duration ({@code 90s},
     * {@code 30m}, {@code 1h30m}, {@code 500ms}) or a bare number of hours ({@code 1},
     * {@code 0.5}); in revision mode a number of revisions. {@code 0}: off.
     *
     * @throws IllegalArgumentException with a message naming the bad value
     */
    public static CompactionPolicy parse(String mode, String retention) {
        String m = mode.trim().toLowerCase(Locale.ROOT);
        String r = retention.trim();
        switch (m) {
            case "periodic":
                return periodic(parseDuration(r));
            case "revision":
                try {
                    return revision(Long.parseLong(r));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "revision retention must be a whole number of revisions, got '" + retention + "'");
                }
            default:
                throw new IllegalArgumentException("mode must be periodic or revision, got '" + mode + "'");
        }
    }

    /** A bare number (hours, as etcd) or a sequence of number+unit parts (ms, s, m, h). */
    static Duration parseDuration(String text) {
        try {
            double hours = Double.parseDouble(text);
            if (hours < 0 || Double.isNaN(hours) || Double.isInfinite(hours)) {
                throw new IllegalArgumentException("retention must not be negative, got '" + text + "'");
            }
            return Duration.ofNanos((long) (hours * 3_600_000_000_000.0));
        } catch (NumberFormatException notBare) {
            Matcher p = DURATION_PART.matcher(text);
            long nanos = 0;
            int at = 0;
            while (at < text.length() && p.find(at) && p.start() == at) {
                double n = Double.parseDouble(p.group(1));
                long unit = switch (p.group(2)) {
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    default -> 3_600_000_000_000L;
                };
                nanos += (long) (n * unit);
                at = p.end();
            }
            if (text.isEmpty() || at != text.length()) {
                throw new IllegalArgumentException("retention must be a duration such as 1h, 30m, 90s or 1h30m,"
                        + " or a number of hours, got '" + text + "'");
            }
            return Duration.ofNanos(nanos);
        }
    }

    public boolean enabled() {
        return this != OFF;
    }

    public Mode mode() {
        return mode;
    }

    /** How often {@link #target} should be asked; zero when off. */
    public Duration tickInterval() {
        return tickInterval;
    }

    /** What the flags said, for logs. */
    public String describe() {
        if (!enabled()) {
            return "off";
        }
        return mode == Mode.PERIODIC
                ? "periodic, keeping " + Duration.ofNanos(retentionNanos) + " of history"
                : "revision, keeping the last " + retainRevisions + " revisions";
    }

    /**
     * Records this member's applied revision at {@code nowNanos} (every member, every tick) and
     * returns the revision to compact at now if this member leads, or 0 for nothing to do.
     *
     * @param current   the member's applied store revision
     * @param compacted its compact revision
     */
    public long target(long nowNanos, long current, long compacted) {
        if (!enabled()) {
            return 0;
        }
        if (mode == Mode.REVISION) {
            if (compactedOnce && nowNanos - lastCompactionNanos < compactIntervalNanos) {
                return 0;
            }
            long t = current - retainRevisions;
            return t > compacted ? t : 0;
        }
        samples.addLast(new long[] {nowNanos, current});
        long[] newestOld = null;
        while (!samples.isEmpty() && nowNanos - samples.peekFirst()[0] >= retentionNanos) {
            newestOld = samples.pollFirst();
        }
        if (newestOld != null) {
            samples.addFirst(newestOld); // still the newest sample old enough: kept for the next ticks
        }
        if (newestOld == null || (compactedOnce && nowNanos - lastCompactionNanos < compactIntervalNanos)) {
            return 0;
        }
        return newestOld[1] > compacted ? newestOld[1] : 0;
    }

    /** A compaction this policy proposed was applied at {@code nowNanos}. */
    public void compacted(long nowNanos) {
        compactedOnce = true;
        lastCompactionNanos = nowNanos;
    }

    /** Samples held (periodic mode), for tests: bounded by about retention / tick interval + 2. */
    int samples() {
        return samples.size();
    }
}
