package io.raftkv.node.kv;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The alarms active at some log index: a set of (type, member) pairs, sorted by type code then
 * member id. Immutable. How the state machine stores it: {@code io.raftkv.node.storage.AlarmRecord}.
 *
 * @param alarms the active alarms, sorted, without duplicates
 */
public record ActiveAlarms(List<Alarm> alarms) {
    public static final ActiveAlarms NONE = new ActiveAlarms(List.of());
    private static final Comparator<Alarm> ORDER =
            Comparator.comparingInt((Alarm a) -> a.type().code()).thenComparingLong(Alarm::memberId);
    /** Bound on the stored set: one per type per member is far below it. */
    public static final int MAX_ALARMS = 4096;

    /** One active alarm: {@code type} raised by (or for) member {@code memberId}. */
    public record Alarm(AlarmType type, long memberId) {
        public Alarm {
            Objects.requireNonNull(type, "type");
            if (memberId < 1) {
                throw new IllegalArgumentException("an alarm belongs to a member id ≥ 1, got " + memberId);
            }
        }
    }

    public ActiveAlarms {
        TreeSet<Alarm> sorted = new TreeSet<>(ORDER);
        sorted.addAll(alarms);
        alarms = List.copyOf(sorted);
    }

    public boolean isEmpty() {
        return alarms.isEmpty();
    }

    /** Whether an alarm of {@code type} is active for any member. */
    public boolean active(AlarmType type) {
        return alarms.stream().anyMatch(a -> a.type() == type);
    }

    /** Whether {@code type} is active for {@code memberId}. */
    public boolean active(AlarmType type, long memberId) {
        return alarms.contains(new Alarm(type, memberId));
    }

    /** The first active type that refuses {@code op}, or null. */
    public AlarmType refusing(Command.Operation op) {
        for (Alarm a : alarms) {
            if (a.type().refuses(op)) {
                return a.type();
            }
        }
        return null;
    }

    /** This set with {@code alarm} added. */
    public ActiveAlarms with(Alarm alarm) {
        List<Alarm> next = new ArrayList<>(alarms);
        next.add(alarm);
        return new ActiveAlarms(next);
    }

    /** This set without {@code type} for {@code memberId}, or for every member when it is 0. */
    public ActiveAlarms without(AlarmType type, long memberId) {
        return new ActiveAlarms(alarms.stream()
                .filter(a -> !(a.type() == type && (memberId == 0 || a.memberId() == memberId)))
                .toList());
    }

    /** Whether the set can take {@code alarm} without exceeding the stored bound. */
    public boolean hasRoomFor(Alarm alarm) {
        return alarms.contains(alarm) || alarms.size() < MAX_ALARMS;
    }
}
