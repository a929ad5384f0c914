package io.raftkv.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.raft.StateType;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Gauges of the node's Raft state, read from {@code RaftNodeApi.status()} at scrape time (a cheap
 * volatile read), plus per-follower lag, whose set of series changes with the configuration and is
 * refreshed by {@link #observe(NodeStatus)} from the client server's status poll. Leader changes are
 * counted where they happen, by {@link DriverMetrics}.
 *
 * <p>Thread-safety: {@link #observe} is called from one context at a time (the poller's);
 * gauges are read from any scrape thread.
 */
public final class NodeStatusMetrics extends MeterGroup {
    /** Latest lag per follower; replaced whole by {@link #observe}, read by the gauges. */
    private volatile Map<Long, Long> lagByPeer = Map.of();
    /** One gauge per follower currently reported; touched only by {@link #observe} and {@link #close}. */
    private final Map<Long, Gauge> lagGauges = new HashMap<>();

    /**
     * @param status  the node's current status (must not block)
     * @param healthy the liveness signal (must not block)
     */
    public NodeStatusMetrics(MeterRegistry registry, Supplier<NodeStatus> status, BooleanSupplier healthy) {
        super(registry);
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(healthy, "healthy");
        gauge(RaftKvMeters.TERM, Tags.empty(), () -> status.get().term());
        for (StateType role : StateType.values()) {
            gauge(
                    RaftKvMeters.ROLE,
                    Tags.of("role", role.name().toLowerCase(Locale.ROOT)),
                    () -> status.get().role() == role ? 1 : 0);
        }
        gauge(RaftKvMeters.LEARNER, Tags.empty(), () -> status.get().learner() ? 1 : 0);
        gauge(RaftKvMeters.LEADER_ID, Tags.empty(), () -> status.get().leaderId());
        gauge(RaftKvMeters.HAS_LEADER, Tags.empty(), () -> status.get().leaderId() != 0 ? 1 : 0);
        gauge(RaftKvMeters.COMMIT_INDEX, Tags.empty(), () -> status.get().commitIndex());
        gauge(RaftKvMeters.APPLIED_INDEX, Tags.empty(), () -> status.get().appliedIndex());
        gauge(RaftKvMeters.LAST_INDEX, Tags.empty(), () -> status.get().lastIndex());
        gauge(RaftKvMeters.SNAPSHOT_INDEX, Tags.empty(), () -> status.get().snapshotIndex());
        gauge(
                RaftKvMeters.MEMBERS,
                Tags.of("role", "voter"),
                () -> status.get().members().stream().filter(m -> !m.learner()).count());
        gauge(
                RaftKvMeters.MEMBERS,
                Tags.of("role", "learner"),
                () -> status.get().members().stream()
                        .filter(NodeStatus.Member::learner)
                        .count());
        gauge(RaftKvMeters.READY, Tags.empty(), () -> status.get().ready() ? 1 : 0);
        gauge(RaftKvMeters.HEALTHY, Tags.empty(), () -> healthy.getAsBoolean() ? 1 : 0);
    }

    /** Adds the alarm and space-quota gauges, read from {@code alarms} at scrape time. */
    public void trackAlarms(Supplier<io.raftkv.node.alarm.Alarms> alarms) {
        for (io.raftkv.node.kv.AlarmType type : io.raftkv.node.kv.AlarmType.values()) {
            gauge(
                    RaftKvMeters.ALARM_ACTIVE,
                    Tags.of("type", type.name().toLowerCase(Locale.ROOT)),
                    () -> alarms.get().active().alarms().stream()
                            .filter(a -> a.type() == type)
                            .count());
        }
        gauge(RaftKvMeters.QUOTA_BYTES, Tags.empty(), () -> alarms.get().quotaBytes());
        gauge(RaftKvMeters.QUOTA_DATA_BYTES, Tags.empty(), () -> alarms.get().dataBytes());
    }

    private void gauge(RaftKvMeters.Meter meter, Tags tags, Supplier<Number> value) {
        track(Gauge.builder(meter.name(), value)
                .description(meter.description())
                .tags(tags)
                .strongReference(true)
                .register(registry));
    }

    /**
     * Feeds one status sample: republishes follower lag; series of followers that left the
     * configuration disappear.
     */
    public void observe(NodeStatus s) {
        Map<Long, Long> lags = new HashMap<>();
        for (NodeStatus.FollowerLag f : s.progress()) {
            lags.put(f.id(), f.lag());
        }
        lagByPeer = Map.copyOf(lags);
        // Gauges are added and removed only when the set of followers changes (not every sample),
        // so a scrape never races a re-registration of an unchanged series.
        for (Long peer : lags.keySet()) {
            lagGauges.computeIfAbsent(
                    peer,
                    p -> Gauge.builder(RaftKvMeters.FOLLOWER_LAG.name(), () -> lagByPeer.getOrDefault(p, 0L))
                            .description(RaftKvMeters.FOLLOWER_LAG.description())
                            .tags("peer", Long.toUnsignedString(p))
                            .strongReference(true)
                            .register(registry));
        }
        lagGauges.entrySet().removeIf(e -> {
            if (lags.containsKey(e.getKey())) {
                return false;
            }
            registry.remove(e.getValue());
            return true;
        });
    }

    @Override
    public void close() {
        lagGauges.values().forEach(registry::remove);
        lagGauges.clear();
        super.close();
    }
}
