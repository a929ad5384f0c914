package io.raftkv.raft.sim;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counters of one run, or of many runs merged: ticks simulated, faults injected by kind, workload
 * events and checks done. Plain counters; the simulator owns one per run.
 */
final class SimStats {
    private final EnumMap<FaultKind, Long> faults = new EnumMap<>(FaultKind.class);
    private final TreeMap<String, Long> events = new TreeMap<>();
    long seeds;
    long ticks;
    long steps;
    long checks;
    long failures;
    /** Longest time (ticks) from healing the network to a leader being known, over merged runs. */
    long maxTicksToLeaderAfterHeal;
    /** Longest time (ticks) from healing to every pending proposal being resolved. */
    long maxTicksToQuiesceAfterHeal;

    void fault(FaultKind kind) {
        faults.merge(kind, 1L, Long::sum);
    }

    long faults(FaultKind kind) {
        return faults.getOrDefault(kind, 0L);
    }

    long totalFaults() {
        long n = 0;
        for (long v : faults.values()) {
            n += v;
        }
        return n;
    }

    /** Counts a workload event (proposal, read, conf change, transfer, compaction ...). */
    void event(String name) {
        events.merge(name, 1L, Long::sum);
    }

    void event(String name, long n) {
        events.merge(name, n, Long::sum);
    }

    long events(String name) {
        return events.getOrDefault(name, 0L);
    }

    Map<String, Long> events() {
        return events;
    }

    void merge(SimStats other) {
        other.faults.forEach((k, v) -> faults.merge(k, v, Long::sum));
        other.events.forEach((k, v) -> events.merge(k, v, Long::sum));
        seeds += other.seeds;
        ticks += other.ticks;
        steps += other.steps;
        checks += other.checks;
        failures += other.failures;
        maxTicksToLeaderAfterHeal = Math.max(maxTicksToLeaderAfterHeal, other.maxTicksToLeaderAfterHeal);
        maxTicksToQuiesceAfterHeal = Math.max(maxTicksToQuiesceAfterHeal, other.maxTicksToQuiesceAfterHeal);
    }

    /** One line: seeds, ticks, steps, checks, failures, faults by kind, workload events. */
    String summary() {
        StringBuilder b = new StringBuilder("sim summary: seeds=")
                .append(seeds)
                .append(" ticks=")
                .append(ticks)
                .append(" steps=")
                .append(steps)
                .append(" checks=")
                .append(checks)
                .append(" failures=")
                .append(failures)
                .append(" faults=")
                .append(totalFaults())
                .append(" {");
        String sep = "";
        for (Map.Entry<FaultKind, Long> e : faults.entrySet()) {
            b.append(sep).append(e.getKey().name().toLowerCase()).append('=').append(e.getValue());
            sep = " ";
        }
        b.append("} events {");
        sep = "";
        for (Map.Entry<String, Long> e : events.entrySet()) {
            b.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = " ";
        }
        return b.append("} maxTicksToLeaderAfterHeal=")
                .append(maxTicksToLeaderAfterHeal)
                .append(" maxTicksToQuiesceAfterHeal=")
                .append(maxTicksToQuiesceAfterHeal)
                .toString();
    }
}
