package io.raftkv.chaos.run;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the etcd election of a chaos run ({@code etcd-elections.jsonl}, written by
 * {@code io.raftkv.chaos.workload.EtcdRecipeUsers}):
 * <ul>
 *   <li>no two leaders in one term: two campaigns never won with the same leader-key revision, and
 *       the leaderships (from the Campaign answer to the Resign call, or the lease's certain end)
 *       never overlap — {@link LockChecker} over the terms, the revision as fencing token, so an
 *       abandoned leadership must also pass to another candidate after its lease ended;</li>
 *   <li>every leader a {@code Leader} call observed is the one elected at that revision (same key)
 *       and shows a value that leader set or tried to set — or, with no campaign answered at that
 *       revision, the value of a campaign whose answer was lost.</li>
 * </ul>
 */
public final class ElectionChecker {
    private ElectionChecker() {}

    /** One elected term; {@code end < start}: the lease may have ended before the win was heard. */
    public record Term(
            String who, long token, String key, long start, long end, boolean abandoned, Set<String> values) {}

    /** One answer of {@code Leader}: the leader key's create revision, key and value. */
    public record Observation(long revision, String key, String value) {}

    /** Terms checked, observations checked, every violation found (empty: passed). */
    public record Result(int terms, int observations, List<String> violations, LockChecker.Result leaderships) {
        public boolean passed() {
            return violations.isEmpty();
        }
    }

    public static Result check(Path file) throws IOException {
        List<Term> terms = new ArrayList<>();
        List<Observation> observed = new ArrayList<>();
        Set<String> unknown = new HashSet<>();
        long stopped = Long.MIN_VALUE;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject o = new JsonObject(line);
            if (o.containsKey("stopped")) {
                stopped = o.getLong("stopped");
            } else if (o.containsKey("unknown")) {
                unknown.add(o.getString("unknown"));
            } else if (o.containsKey("observed")) {
                observed.add(new Observation(o.getLong("observed"), o.getString("key"), o.getString("value")));
            } else {
                Set<String> values = new HashSet<>();
                o.getJsonArray("values").forEach(v -> values.add((String) v));
                terms.add(new Term(
                        o.getString("who"),
                        o.getLong("token"),
                        o.getString("key"),
                        o.getLong("start"),
                        o.getLong("end"),
                        o.getBoolean("abandoned", false),
                        values));
            }
        }
        return check(terms, observed, unknown, stopped);
    }

    /** As {@link #check(Path)}; {@code stopped}: when the users stopped ({@code Long.MIN_VALUE}: unknown). */
    public static Result check(List<Term> terms, List<Observation> observed, Set<String> unknown, long stopped) {
        List<String> violations = new ArrayList<>();
        Map<Long, Term> byRevision = new HashMap<>();
        List<LockChecker.Hold> leaderships = new ArrayList<>();
        for (Term t : terms) {
            Term other = byRevision.putIfAbsent(t.token(), t);
            if (other != null) {
                violations.add("two leaders of term " + t.token() + ": " + other.who() + " and " + t.who());
            }
            if (t.end() - t.start() >= 0) {
                leaderships.add(new LockChecker.Hold(t.who(), t.token(), t.start(), t.end(), t.abandoned()));
            }
        }
        LockChecker.Result lr = LockChecker.check(leaderships, stopped);
        lr.violations().forEach(v -> violations.add("leaderships: " + v));
        for (Observation o : observed) {
            Term t = byRevision.get(o.revision());
            if (t == null) {
                if (!unknown.contains(o.value())) {
                    violations.add("observed leader " + o + " was elected by no campaign");
                }
            } else if (!t.key().equals(o.key()) || !t.values().contains(o.value())) {
                violations.add("observed leader " + o + " is not term " + t.token() + "'s leader " + t.who() + " (key "
                        + t.key() + ", values " + t.values() + ")");
            }
        }
        return new Result(terms.size(), observed.size(), violations, lr);
    }
}
