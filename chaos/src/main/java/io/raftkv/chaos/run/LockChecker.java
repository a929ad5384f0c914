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
 * two clients at once, and tokens increase in the order holds began.
 */
public final class LockChecker {
    private LockChecker() {}

    /** One critical section, on the run's clock (nanoseconds). */
    public record Hold(String who, long token, long start, long end) {}

    /** The holds checked and every violation found (empty: the lock was exclusive). */
    public record Result(int holds, List<String> violations) {
        public boolean passed() {
            return violations.isEmpty();
        }
    }

    public static Result check(Path file) throws IOException {
        List<Hold> holds = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonObject o = new JsonObject(line);
                holds.add(new Hold(o.getString("who"), o.getLong("token"), o.getLong("start"), o.getLong("end")));
            }
        }
        return check(holds);
    }

    public static Result check(List<Hold> holds) {
        List<Hold> sorted = new ArrayList<>(holds);
        sorted.sort(Comparator.comparingLong(Hold::token));
        List<String> violations = new ArrayList<>();
        for (int i = 1; i < sorted.size(); i++) {
            Hold prev = sorted.get(i - 1);
            Hold next = sorted.get(i);
            if (next.token() == prev.token()) {
                violations.add("two holds with fencing token " + next.token() + ": " + prev + " and " + next);
            } else if (next.start() < prev.end()) {
                violations.add(String.format(
                        "%s (token %d) began %.3f ms before %s (token %d) ended",
                        next.who(), next.token(), (prev.end() - next.start()) / 1e6, prev.who(), prev.token()));
            }
        }
        return new Result(holds.size(), violations);
    }
}
