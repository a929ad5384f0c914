package io.raftkv.chaos.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * When a run injects and heals its fault, relative to the start of the workload: a warm-up, then
 * cycles of {@code active} (fault on) and {@code calm} (healed, the cluster recovers under load),
 * for {@code total}. The last cycle always ends with a calm period inside {@code total}, so the
 * run ends healed and recovered; at least one cycle runs even if {@code total} is short.
 *
 * @param total  how long the workload runs
 * @param warmup load before the first injection
 * @param active how long a fault stays on (raised to the fault's own minimum)
 * @param calm   how long the healed cluster runs before the next injection
 */
public record FaultSchedule(Duration total, Duration warmup, Duration active, Duration calm) {

    /** One inject/heal cycle, as offsets from the start of the workload. */
    public record Window(Duration injectAt, Duration healAt) {}

    public FaultSchedule {
        for (Duration d : List.of(
                Objects.requireNonNull(total, "total"),
                Objects.requireNonNull(warmup, "warmup"),
                Objects.requireNonNull(active, "active"),
                Objects.requireNonNull(calm, "calm"))) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("durations must not be negative: " + this);
            }
        }
        if (active.isZero() || total.isZero()) {
            throw new IllegalArgumentException("total and active must be positive: " + this);
        }
    }

    /**
     * The short run of {@code make test}: 2 s warm-up, then 6 s on / 4 s calm while {@code total} allows.
     */
    public static FaultSchedule shortRun(Duration total) {
        return new FaultSchedule(total, Duration.ofSeconds(2), Duration.ofSeconds(6), Duration.ofSeconds(4));
    }

    /** The gate: 5 s warm-up, then 10 s on / 8 s calm (three cycles in 60 s). */
    public static FaultSchedule gate(Duration total) {
        return new FaultSchedule(total, Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(8));
    }

    /**
     * The cycles for a fault that must stay on at least {@code minimumActive}.
     */
    public List<Window> windows(Duration minimumActive) {
        Duration on = active.compareTo(minimumActive) >= 0 ? active : minimumActive;
        List<Window> windows = new ArrayList<>();
        Duration at = warmup;
        while (windows.isEmpty() || at.plus(on).plus(calm).compareTo(total) <= 0) {
            windows.add(new Window(at, at.plus(on)));
            at = at.plus(on).plus(calm);
        }
        return windows;
    }

    /** How long the workload actually runs for {@code minimumActive}: {@code total}, or longer if one cycle needs it. */
    public Duration workloadDuration(Duration minimumActive) {
        List<Window> w = windows(minimumActive);
        Duration needed = w.get(w.size() - 1).healAt().plus(calm);
        return needed.compareTo(total) > 0 ? needed : total;
    }
}
