package io.raftkv.e2e.linearizability;

import io.raftkv.e2e.history.OpKind;
import io.raftkv.e2e.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates histories that are linearizable by construction: clients issue one operation at a
 * time with random durations, each operation takes effect at a random instant inside its interval
 * on a real sequential map, and the result recorded is what the map returned at that instant.
 *
 * <p>Unknown outcomes are modelled as a client timing out: with probability {@code unknownShare}
 * an operation is recorded as unknown at its return time and either never takes effect or takes
 * effect at a random instant after its call — possibly after the client gave up.
 *
 * <p>Every written value is unique ({@code c<client>-<seq>}), which the corruption helpers rely on.
 */
final class RegisterHistoryGenerator {
    /** One operation with its hidden linearization point (Long.MAX_VALUE = never took effect). */
    private record Planned(
            int client,
            OpKind kind,
            String key,
            String value,
            String expectedHint,
            boolean unknown,
            long callNs,
            long returnNs,
            long effectNs) {}

    private final SplittableRandom random;
    private final int clients;
    private final List<String> keys;
    private final long maxDurationNs;
    private final double unknownShare;

    RegisterHistoryGenerator(long seed, int clients, int keys, long maxDurationNs, double unknownShare) {
        this.random = new SplittableRandom(seed);
        this.clients = clients;
        this.keys = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            this.keys.add("key-" + k);
        }
        this.maxDurationNs = maxDurationNs;
        this.unknownShare = unknownShare;
    }

    /** About {@code totalOps} operations spread over the keys, sorted by return time. */
    List<Operation> generate(int totalOps) {
        List<Planned> planned = new ArrayList<>(totalOps);
        long[] clientFreeAt = new long[clients];
        int[] seq = new int[clients];
        for (int i = 0; i < totalOps; i++) {
            int client = random.nextInt(clients);
            long call = clientFreeAt[client] + random.nextLong(1, maxDurationNs / 4 + 2);
            long duration = random.nextLong(1, maxDurationNs + 1);
            long ret = call + duration;
            clientFreeAt[client] = ret;
            boolean unknown = random.nextDouble() < unknownShare;
            long effect;
            if (!unknown) {
                effect = call + random.nextLong(0, duration + 1);
            } else if (random.nextBoolean()) {
                effect = Long.MAX_VALUE; // timed out and never applied
            } else {
                effect = call + random.nextLong(0, 3 * duration + 1); // may land after the timeout
            }
            OpKind kind = OpKind.values()[random.nextInt(4)];
            String key = keys.get(random.nextInt(keys.size()));
            String value = kind == OpKind.PUT || kind == OpKind.CAS ? "c" + client + "-" + seq[client]++ : null;
            planned.add(new Planned(client, kind, key, value, null, unknown, call, ret, effect));
        }
        planned.sort(Comparator.comparingLong(Planned::effectNs));
        Map<String, String> state = new HashMap<>();
        Map<String, List<String>> recentValues = new HashMap<>();
        List<Operation> history = new ArrayList<>(totalOps);
        for (Planned p : planned) {
            boolean applies = p.effectNs() != Long.MAX_VALUE;
            String current = state.get(p.key());
            Operation op = switch (p.kind()) {
                case PUT -> {
                    if (applies) {
                        state.put(p.key(), p.value());
                        remember(recentValues, p.key(), p.value());
                    }
                    yield Operation.put(p.client(), p.key(), p.value(), p.callNs(), p.returnNs());
                }
                case DELETE -> {
                    if (applies) {
                        state.remove(p.key());
                    }
                    yield Operation.delete(p.client(), p.key(), p.callNs(), p.returnNs());
                }
                case GET -> Operation.get(p.client(), p.key(), current, p.callNs(), p.returnNs());
                case CAS -> {
                    // Half the time compare against the current value so that swaps succeed.
                    List<String> recent = recentValues.getOrDefault(p.key(), List.of());
                    String expected = random.nextBoolean() || recent.isEmpty()
                            ? current
                            : recent.get(random.nextInt(recent.size()));
                    boolean swapped = java.util.Objects.equals(expected, current);
                    if (applies && swapped) {
                        state.put(p.key(), p.value());
                        remember(recentValues, p.key(), p.value());
                    }
                    yield Operation.cas(p.client(), p.key(), expected, p.value(), swapped, p.callNs(), p.returnNs());
                }
            };
            history.add(p.unknown() ? op.asUnknown() : op);
        }
        history.sort(Comparator.comparingLong(Operation::returnNs));
        return history;
    }

    private static void remember(Map<String, List<String>> recent, String key, String value) {
        List<String> values = recent.computeIfAbsent(key, k -> new ArrayList<>());
        values.add(value);
        if (values.size() > 4) {
            values.remove(0);
        }
    }

    /**
     * Replaces the value of one known-outcome get with a value that was certainly overwritten
     * before the get began: written by an acknowledged write W, then overwritten by an
     * acknowledged write X of another value with W.return < X.call and X.return < get.call.
     * Values are unique, so W is the only writer and no linearization can let the get see it.
     *
     * @return the corrupted history, or null if the history has no such read
     */
    static List<Operation> withStaleRead(List<Operation> history, SplittableRandom random) {
        List<Integer> reads = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            Operation op = history.get(i);
            if (op.op() == OpKind.GET && !op.unknown()) {
                reads.add(i);
            }
        }
        int start = reads.isEmpty() ? 0 : random.nextInt(reads.size());
        for (int attempt = 0; attempt < reads.size(); attempt++) {
            int index = reads.get((start + attempt) % reads.size());
            Operation read = history.get(index);
            String stale = overwrittenValueBefore(history, read);
            if (stale != null && !stale.equals(read.value())) {
                List<Operation> corrupted = new ArrayList<>(history);
                corrupted.set(index, Operation.get(read.client(), read.key(), stale, read.callNs(), read.returnNs()));
                return corrupted;
            }
        }
        return null;
    }

    private static String overwrittenValueBefore(List<Operation> history, Operation read) {
        for (Operation w : history) {
            if (!isAcknowledgedValueWrite(w) || !w.key().equals(read.key())) {
                continue;
            }
            for (Operation x : history) {
                if (x.key().equals(read.key())
                        && x != w
                        && x.mayWrite()
                        && !x.unknown()
                        && w.returnNs() < x.callNs()
                        && x.returnNs() < read.callNs()
                        && !w.value().equals(x.op() == OpKind.DELETE ? null : x.value())) {
                    return w.value();
                }
            }
        }
        return null;
    }

    private static boolean isAcknowledgedValueWrite(Operation op) {
        return !op.unknown() && op.ok() && (op.op() == OpKind.PUT || op.op() == OpKind.CAS);
    }
}
