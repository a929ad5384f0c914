package io.raftkv.node.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Puts etcdctl's output from two systems into a form where equal behaviour reads equal:
 * <ul>
 *   <li><b>Revisions</b> are replaced by their rank among the revisions the test's own writes
 *       produced on that system ({@link #sawWrite}): the first write's revision reads {@code r1} on
 *       both, although etcd's is 2 and RaftKV's is a Raft log index. A revision no write produced
 *       stays visible as {@code r?<n>}, so a wrong one cannot hide.</li>
 *   <li><b>Identities</b> (cluster, member ids and names, raft terms, ports, timings, database
 *       sizes, the server version) are replaced by placeholders; what they mean (which member
 *       leads, how many members, learner or not) is kept.</li>
 * </ul>
 */
final class EtcdctlOutput {
    private static final Set<String> REVISION_FIELDS =
            Set.of("revision", "create_revision", "mod_revision", "compact_revision");
    private static final Set<String> IDENTITY_FIELDS = Set.of("cluster_id", "member_id", "raft_term");
    private final Map<Long, Integer> ranks = new HashMap<>();

    /** Records the revision of a write's answer ({@code put -w json}, ...), in order. */
    void sawWrite(String json) {
        long rev = new JsonObject(json.trim()).getJsonObject("header").getLong("revision");
        ranks.putIfAbsent(rev, ranks.size() + 1);
    }

    /** How many write revisions were seen. */
    int writes() {
        return ranks.size();
    }

    /** The revision the write of rank {@code rank} produced on this system. */
    long actual(int rank) {
        return ranks.entrySet().stream()
                .filter(e -> e.getValue() == rank)
                .mapToLong(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no write of rank " + rank + " seen"));
    }

    /**
     * The events of {@code etcdctl watch -w json}'s output (one response per line), one line each:
     * type, key, value, revisions ranked, version, whether a lease is attached, and the same of the
     * previous key; how the events were grouped into responses is not compared.
     */
    String watchEvents(String out) {
        StringBuilder b = new StringBuilder();
        for (String line : out.lines().filter(l -> l.startsWith("{")).toList()) {
            JsonArray events = new JsonObject(line).getJsonArray("Events", new JsonArray());
            for (Object o : events) {
                JsonObject e = (JsonObject) o;
                b.append(e.getInteger("type", 0) == 1 ? "DELETE " : "PUT ").append(kv(e.getJsonObject("kv")));
                if (e.containsKey("prev_kv")) {
                    b.append(" prev ").append(kv(e.getJsonObject("prev_kv")));
                }
                b.append('\n');
            }
        }
        return b.toString().strip();
    }

    private String kv(JsonObject kv) {
        return text(kv.getString("key")) + "=" + text(kv.getString("value", "")) + " c=" + rank(kv, "create_revision")
                + " m=" + rank(kv, "mod_revision") + " v=" + kv.getLong("version", 0L)
                + (kv.getLong("lease", 0L) == 0 ? "" : " leased");
    }

    private String rank(JsonObject kv, String field) {
        long r = kv.getLong(field, 0L);
        return r == 0 ? "0" : revision(r);
    }

    private static String text(String base64) {
        return new String(java.util.Base64.getDecoder().decode(base64), java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * etcdctl's text answers about leases and compaction: lease ids (printed with {@code %x}, so
     * 16 hex digits or fewer when the id's leading digits are zero: 12 or more are taken) read
     * {@code <lease>}, a remaining TTL within the granted one reads {@code remaining(≤granted)},
     * a compacted revision is ranked.
     */
    String leases(String out) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "granted with TTL\\((\\d+)s\\), remaining\\((\\d+)s\\)")
                .matcher(out);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            long granted = Long.parseLong(m.group(1));
            long remaining = Long.parseLong(m.group(2));
            m.appendReplacement(
                    b,
                    "granted with TTL(" + granted + "s), remaining("
                            + (remaining > 0 && remaining <= granted ? "≤granted" : remaining + "s") + ")");
        }
        m.appendTail(b);
        java.util.regex.Matcher c =
                java.util.regex.Pattern.compile("compacted revision (\\d+)").matcher(b.toString());
        StringBuilder d = new StringBuilder();
        while (c.find()) {
            c.appendReplacement(d, "compacted revision " + revision(Long.parseLong(c.group(1))));
        }
        c.appendTail(d);
        return d.toString().replaceAll("\\b[0-9a-f]{12,16}\\b", "<lease>").strip();
    }

    String revision(long rev) {
        Integer r = ranks.get(rev);
        return r == null ? "r?" + rev : "r" + r;
    }

    /** A JSON answer with its revisions ranked and identities removed. */
    String json(String out) {
        return ((JsonObject) normalize(new JsonObject(out.trim()))).encode();
    }

    private Object normalize(Object v) {
        if (v instanceof JsonObject o) {
            JsonObject n = new JsonObject();
            for (String k : o.fieldNames().stream().sorted().toList()) {
                if (IDENTITY_FIELDS.contains(k)) {
                    continue;
                }
                Object x = o.getValue(k);
                n.put(
                        k,
                        REVISION_FIELDS.contains(k) && x instanceof Number num
                                ? revision(num.longValue())
                                : normalize(x));
            }
            return n;
        }
        if (v instanceof JsonArray a) {
            JsonArray n = new JsonArray();
            a.forEach(x -> n.add(normalize(x)));
            return n;
        }
        return v;
    }

    /** {@code member list} (simple format): ids, names and ports replaced, lines sorted. */
    static String members(String out) {
        return out.lines()
                .map(l -> {
                    String[] f = l.split(", ");
                    if (f.length < 6) {
                        return l;
                    }
                    return "<id>, " + f[1] + ", <name>, " + ports(f[3]) + ", " + ports(f[4]) + ", " + f[5];
                })
                .sorted()
                .collect(Collectors.joining("\n"));
    }

    /** {@code endpoint health}: endpoints and timings replaced, lines sorted. */
    static String health(String out) {
        // etcdctl's own JSON log lines (e.g. "retrying of unary invoker failed" when one attempt met
        // an election) are the client's diagnostics, not its answer: the verdict lines are compared.
        return out.lines()
                .filter(l -> !l.startsWith("{\"level\":"))
                .map(l -> ports(l).replaceAll("took = \\S+", "took = <t>"))
                .sorted()
                .collect(Collectors.joining("\n"));
    }

    /**
     * {@code endpoint status -w json}: per endpoint whether it leads, whether it is a learner and
     * its errors; sorted, so the answer says "one leader, N-1 followers, no errors".
     */
    static String status(String out) {
        JsonArray all = new JsonArray(out.trim());
        return all.stream()
                .map(x -> {
                    JsonObject s = ((JsonObject) x).getJsonObject("Status");
                    boolean leads = s.getLong("leader", 0L)
                            .equals(s.getJsonObject("header").getLong("member_id"));
                    return "leader=" + leads + " learner=" + s.getBoolean("isLearner", false) + " errors="
                            + s.getJsonArray("errors", new JsonArray()).encode();
                })
                .sorted()
                .collect(Collectors.joining("\n"));
    }

    static String ports(String s) {
        return s.replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:<port>");
    }
}
