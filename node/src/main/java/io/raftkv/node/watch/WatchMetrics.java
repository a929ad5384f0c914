package io.raftkv.node.watch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.raftkv.node.metrics.MeterGroup;
import io.raftkv.node.metrics.RaftKvMeters;

/** The watch meters (docs/metrics.md). */
public final class WatchMetrics extends MeterGroup {
    private final Counter events;
    private final Counter slow;

    public WatchMetrics(MeterRegistry registry) {
        super(registry);
        events = track(Counter.builder(RaftKvMeters.WATCH_EVENTS.name())
                .description(RaftKvMeters.WATCH_EVENTS.description())
                .register(registry));
        slow = track(Counter.builder(RaftKvMeters.WATCH_SLOW_CANCELED.name())
                .description(RaftKvMeters.WATCH_SLOW_CANCELED.description())
                .register(registry));
    }

    void bind(WatchHub hub) {
        // Read from the metrics thread: plain reads of hub-confined counters, at worst a scrape late.
        track(Gauge.builder(RaftKvMeters.WATCHERS.name(), hub, h -> h.watchers())
                .description(RaftKvMeters.WATCHERS.description())
                .register(registry));
        track(Gauge.builder(RaftKvMeters.WATCH_STREAMS.name(), hub, h -> h.streams())
                .description(RaftKvMeters.WATCH_STREAMS.description())
                .register(registry));
        track(Gauge.builder(RaftKvMeters.REVISION.name(), hub, h -> h.latest().current())
                .description(RaftKvMeters.REVISION.description())
                .register(registry));
        track(Gauge.builder(
                        RaftKvMeters.COMPACT_REVISION.name(),
                        hub,
                        h -> h.latest().compacted())
                .description(RaftKvMeters.COMPACT_REVISION.description())
                .register(registry));
    }

    void sent(int n) {
        events.increment(n);
    }

    void slowCanceled() {
        slow.increment();
    }
}
