package io.raftkv.chaos.run;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Checks the lock holds of a chaos run ({@code locks.jsonl}, written by
 * {@code io.raftkv.chaos.workload.LockUsers}): sorted by fencing token, tokens are distinct and
 * each critical section starts no earlier than the previous one ended — the lock was never held by
 * two clients at once, and tokens increase in the order holds began. Holds abandoned by their
 * holder (no renewal, no release: a crash) must be followed by another hold — the lock came free
 * when the abandoned lease expired — unless the run stopped less than {@link #TAKEOVER_BOUND_NANOS}
 * after the abandoned lease's end; the delay from that end to the next hold's start is measured.
 */
public final class LockChecker {
    /** How long after an abandoned lease's end the lock must have been taken again (if the run went on). */
    public static final long TAKEOVER_BOUND_NANOS = 30_000_000_000L;

    /** No {@code stopped} time known: no takeover is required of the last abandoned hold. */
    private static final long NOT_STOPPED = Long.MIN_VALUE;

    private LockChecker() {}

    /** One critical section, on the run's clock (nanoseconds); {@code abandoned}: its holder crashed. */
    public record Hold(String who, long token, long start, long end, boolean abandoned) {
        public Hold(String who, long token, long start, long end) {
            this(who, token, start, end, false);
        }
    }

    /**
     * The holds checked, every violation found (empty: the lock was exclusive and came free after
     * every abandoned lease), how many holds were abandoned, and for each one followed by another
     * hold the milliseconds from the abandoned lease's certain end to that hold's start.
     */
    public record Result(int holds, List<String> violations, int abandoned, List<Double> takeoverMs) {
        public boolean passed() {
            return violations.isEmpty();
        }

        /** "min/median/max ms" of the takeover delays, or "-" when none. */
        public String takeoverSummary() {
            if (takeoverMs.isEmpty()) {
                return "-";
            }
            List<Double> sorted = new ArrayList<>(takeoverMs);
            sorted.sort(Comparator.naturalOrder());
            return String.format(
                    "%.0f/%.0f/%.0f ms", sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
        }
    }

    public static Result check(Path file) throws IOException {
        List<Hold> holds = new ArrayList<>();
        long stopped = NOT_STOPPED;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonObject o = new JsonObject(line);
                if (o.containsKey("stopped")) {
                    stopped = o.getLong("stopped");
                    continue;
                }
                holds.add(new Hold(
                        o.getString("who"),
                        o.getLong("token"),
                        o.getLong("start"),
                        o.getLong("end"),
                        o.getBoolean("abandoned", false)));
            }
        }
        return check(holds, stopped);
    }

    /** As {@link #check(Path)}, the users having stopped at {@code stopped} (run clock; {@code Long.MIN_VALUE}: unknown). */
    public static Result check(List<Hold> holds, long stopped) {
        List<Hold> sorted = new ArrayList<>(holds);
        sorted.sort(Comparator.comparingLong(Hold::token));
        List<String> violations = new ArrayList<>();
        List<Double> takeover = new ArrayList<>();
        int abandoned = 0;
        for (int i = 0; i < sorted.size(); i++) {
            Hold h = sorted.get(i);
            if (i > 0) {
                Hold prev = sorted.get(i - 1);
                if (h.token() == prev.token()) {
                    violations.add("two holds with fencing token " + h.token() + ": " + prev + " and " + h);
                } else if (h.start() < prev.end()) {
                    violations.add(String.format(
                            "%s (token %d) began %.3f ms before %s (token %d) ended",
                            h.who(), h.token(), (prev.end() - h.start()) / 1e6, prev.who(), prev.token()));
                }
            }
            if (h.abandoned()) {
                abandoned++;
                if (i + 1 < sorted.size()) {
                    takeover.add((sorted.get(i + 1).start() - h.end()) / 1e6);
                } else if (stopped != NOT_STOPPED && stopped - h.end() > TAKEOVER_BOUND_NANOS) {
                    violations.add(String.format(
                            "%s (token %d) abandoned the lock and nobody held it again in the %.0f s the users"
                                    + " went on after its lease's end",
                            h.who(), h.token(), (stopped - h.end()) / 1e9));
                }
            }
        }
        return new Result(holds.size(), violations, abandoned, takeover);
    }

    /** As {@link #check(List, long)} with users that never stopped (no takeover is required). */
    public static Result check(List<Hold> holds) {
        return check(holds, NOT_STOPPED);
    }
}
