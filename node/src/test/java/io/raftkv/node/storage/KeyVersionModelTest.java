package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.ApplyResult.Status;
import io.raftkv.node.kv.Changes;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.Absent;
import io.raftkv.node.kv.Command.Compare;
import io.raftkv.node.kv.Command.CompareAndSet;
import io.raftkv.node.kv.Command.Delete;
import io.raftkv.node.kv.Command.Expectation;
import io.raftkv.node.kv.Command.Get;
import io.raftkv.node.kv.Command.ModRevisionEquals;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.Command.Txn;
import io.raftkv.node.kv.Command.TxnOp;
import io.raftkv.node.kv.Command.ValueEquals;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyRead;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.KvEvent;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys' create revision, mod revision and version, and the store revision, against a plain model
 * ({@link Revisions}: dense, +1 per entry that changes keys), through every kind of
 * write — puts (with and without the previous value), deletes, compare-and-sets, transactions whose
 * writes are kept or rolled back — in batches of random size, with restarts in between (empty
 * {@link KeyVersionCache}). Every answer and every stored key must match the model, so a put that
 * took its version from the cache wrote exactly what a put that read the key would have. The
 * history must match too: every key read at a random earlier revision equals the model's state
 * then, and the changes since a random revision equal the model's changes, once each, in order.
 * Randomized; the seed is printed.
 */
class KeyVersionModelTest {
    private static final int KEYS = 12;
    /** The model's store revision. */
    private long revision = 1;
    /** Whether the entry being modelled changed a key. */
    private boolean changed;
    /** The model's state after each revision. */
    private final java.util.TreeMap<Long, Map<String, KeyValue>> states = new java.util.TreeMap<>();
    /** The model's changes, in order. */
    private final List<KvEvent> events = new ArrayList<>();

    @TempDir
    Path dir;

    @Test
    void storedVersionsMatchTheModelThroughEveryKindOfWrite() {
        long seed = System.nanoTime();
        System.out.println("KeyVersionModelTest seed " + seed);
        Random rnd = new Random(seed);
        Map<String, KeyValue> model = new HashMap<>();
        NodeStorage storage = NodeStorage.open(dir, StorageOptions.defaults());
        long index = 0;
        long cacheHits = 0;
        int rolledBack = 0;
        try {
            for (int round = 0; round < 500; round++) {
                int size = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 30 : 5);
                List<Entry> batch = new ArrayList<>();
                List<Command> commands = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    index++;
                    Command c = nextCommand(rnd, index);
                    commands.add(c);
                    batch.add(new Entry(1, index, EntryType.NORMAL, CommandCodec.encode(c)));
                }
                storage.raftLog()
                        .persist(new HardState(1, 1, index), batch, null)
                        .join();
                List<ApplyResult> got =
                        storage.stateMachine().apply(batch, Map.of()).join();
                for (int i = 0; i < got.size(); i++) {
                    ApplyResult expected =
                            modelApply(model, commands.get(i), batch.get(i).index());
                    rolledBack += expected.status() == Status.READ_LIMIT_EXCEEDED ? 1 : 0;
                    assertSameResult(
                            got.get(i),
                            expected,
                            "seed " + seed + " entry " + batch.get(i).index());
                    if (changed) {
                        states.put(revision, new HashMap<>(model));
                    }
                }
                assertThat(storage.stateMachine().revisions().current())
                        .as("seed %d revision", seed)
                        .isEqualTo(revision);
                checkHistory(storage.stateMachine(), rnd, "seed " + seed + " after index " + index);
                for (int k = 0; k < KEYS; k++) {
                    String key = "k" + k;
                    KeyValue stored = storage.stateMachine().get(bytes(key)).orElse(null);
                    assertSameKv(stored, model.get(key), "seed " + seed + " after index " + index + " key " + key);
                }
                if (rnd.nextInt(50) == 0) {
                    cacheHits += storage.stateMachine().keyVersions().hits();
                    storage.close();
                    storage = NodeStorage.open(dir, StorageOptions.defaults());
                }
            }
            cacheHits += storage.stateMachine().keyVersions().hits();
        } finally {
            storage.close();
        }
        assertThat(cacheHits)
                .as("seed %d: puts took versions from the cache", seed)
                .isPositive();
        assertThat(rolledBack)
                .as("seed %d: the run rolled back transactions", seed)
                .isPositive();
    }

    /** Reads at a random earlier revision and the changes since one match the model. */
    private void checkHistory(KvStateMachine sm, Random rnd, String what) {
        if (states.isEmpty()) {
            return;
        }
        long at = 2 + (long) (rnd.nextDouble() * (revision - 1));
        Map<String, KeyValue> then = states.floorEntry(at).getValue();
        for (int k = 0; k < KEYS; k++) {
            String key = "k" + k;
            KeyRead read = sm.get(bytes(key), at);
            assertThat(read.revision()).isEqualTo(at);
            assertSameKv(read.kv().orElse(null), then.get(key), what + " key " + key + " at revision " + at);
        }
        RangeResult all = sm.range(bytes("k"), bytes("l"), at, 100, 1 << 30, false, false);
        assertThat(all.count()).as(what + " count at " + at).isEqualTo(then.size());
        long from = 2 + (long) (rnd.nextDouble() * (revision - 1));
        List<KvEvent> expected =
                events.stream().filter(e -> e.revision() >= from).toList();
        List<KvEvent> got = new ArrayList<>();
        long next = from;
        while (true) {
            Changes page = sm.changes(next, 1 + rnd.nextInt(20), 1 << 30);
            got.addAll(page.events());
            if (page.upTo() >= revision) {
                break;
            }
            next = page.upTo() + 1;
        }
        assertThat(got).as(what + " changes from " + from).hasSameSizeAs(expected);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i).type())
                    .as(what + " change " + i)
                    .isEqualTo(expected.get(i).type());
            assertThat(got.get(i).subRevision())
                    .as(what + " change " + i)
                    .isEqualTo(expected.get(i).subRevision());
            assertSameKv(got.get(i).kv(), expected.get(i).kv(), what + " change " + i);
        }
    }

    private static Command nextCommand(Random rnd, long index) {
        byte[] key = bytes("k" + rnd.nextInt(KEYS));
        byte[] value = bytes("v" + index);
        int pick = rnd.nextInt(20);
        if (pick < 8) {
            return Command.of(new Put(key, value));
        } else if (pick < 10) {
            return new Command(null, new Put(key, value), true);
        } else if (pick < 12) {
            return Command.of(new Delete(key));
        } else if (pick < 15) {
            return Command.of(new CompareAndSet(key, expectation(rnd, index), rnd.nextInt(4) == 0 ? null : value));
        }
        List<Compare> compares = List.of(new Compare(bytes("k" + rnd.nextInt(KEYS)), expectation(rnd, index)));
        return Command.of(new Txn(compares, txnOps(rnd, index), txnOps(rnd, index)));
    }

    private static Expectation expectation(Random rnd, long index) {
        return switch (rnd.nextInt(3)) {
            case 0 -> new Absent();
            case 1 -> new ValueEquals(bytes("v" + (index - 1 - rnd.nextInt(8))));
            default -> new ModRevisionEquals(Math.max(1, index - 1 - rnd.nextInt(8)));
        };
    }

    /**
     * A branch of puts, deletes and gets. One branch in ten puts the largest value allowed and then
     * gets it until the transaction read limit is exceeded, so the whole transaction is rolled back —
     * after its puts went into the batch.
     */
    private static List<TxnOp> txnOps(Random rnd, long index) {
        List<TxnOp> ops = new ArrayList<>();
        if (rnd.nextInt(10) == 0) {
            byte[] key = bytes("k" + rnd.nextInt(KEYS));
            ops.add(new Put(bytes("k" + rnd.nextInt(KEYS)), bytes("v" + index)));
            ops.add(new Put(key, new byte[Command.MAX_VALUE_BYTES]));
            for (int i = 0; i <= Command.MAX_TXN_READ_BYTES / Command.MAX_VALUE_BYTES; i++) {
                ops.add(new Get(key));
            }
            return ops;
        }
        for (int i = rnd.nextInt(4); i > 0; i--) {
            byte[] key = bytes("k" + rnd.nextInt(KEYS));
            switch (rnd.nextInt(3)) {
                case 0 -> ops.add(new Put(key, bytes("v" + index)));
                case 1 -> ops.add(new Delete(key));
                default -> ops.add(new Get(key));
            }
        }
        return ops;
    }

    /** Applies {@code c} to the model and returns the answer the state machine must give. */
    private ApplyResult modelApply(Map<String, KeyValue> model, Command c, long index) {
        changed = false;
        sub = 0;
        long rev = revision + 1;
        int eventsBefore = events.size();
        ApplyResult r = modelApply(model, c, index, rev);
        if (r.status() == Status.READ_LIMIT_EXCEEDED) {
            events.subList(eventsBefore, events.size()).clear();
            changed = false;
        }
        if (changed) {
            revision = rev;
        }
        return new ApplyResult(
                r.index(), revision, r.status(), r.duplicate(), r.keyValue(), r.previous(), r.txnResults(), r.reason());
    }

    private int sub;

    private KeyValue remove(Map<String, KeyValue> model, byte[] key, long rev) {
        KeyValue prev = model.remove(str(key));
        if (prev != null) {
            changed = true;
            events.add(KvEvent.deletion(key, rev, sub++));
        }
        return prev;
    }

    /** The answer with revision 0: {@link #modelApply(Map, Command, long)} sets it. */
    private ApplyResult modelApply(Map<String, KeyValue> model, Command c, long index, long rev) {
        if (c.operation() instanceof Put p) {
            KeyValue prev = model.get(str(p.key()));
            KeyValue next = put(model, p.key(), p.value(), rev);
            return ApplyResult.appliedPut(index, 0, next, c.returnPrevious() ? prev : null);
        }
        if (c.operation() instanceof Delete d) {
            return ApplyResult.applied(index, 0, remove(model, d.key(), rev));
        }
        if (c.operation() instanceof CompareAndSet cas) {
            KeyValue current = model.get(str(cas.key()));
            if (!holds(cas.expected(), current)) {
                return ApplyResult.compareFailed(index, 0, current);
            }
            if (cas.newValue() == null) {
                return ApplyResult.applied(index, 0, remove(model, cas.key(), rev));
            }
            return ApplyResult.applied(index, 0, put(model, cas.key(), cas.newValue(), rev));
        }
        Txn t = (Txn) c.operation();
        boolean ok = t.compares().stream().allMatch(cmp -> holds(cmp.expected(), model.get(str(cmp.key()))));
        Map<String, KeyValue> working = new HashMap<>(model);
        List<ApplyResult.TxnOpResult> results = new ArrayList<>();
        long readBytes = 0;
        for (TxnOp op : ok ? t.onSuccess() : t.onFailure()) {
            if (op instanceof Put p) {
                put(working, p.key(), p.value(), rev);
                results.add(new ApplyResult.PutOutcome());
            } else if (op instanceof Delete d) {
                results.add(new ApplyResult.DeleteOutcome(remove(working, d.key(), rev) != null));
            } else {
                KeyValue kv = working.get(str(((Get) op).key()));
                readBytes += kv == null ? 0 : kv.key().length + kv.value().length;
                if (readBytes > Command.MAX_TXN_READ_BYTES) {
                    return ApplyResult.readLimitExceeded(index, 0, "limit");
                }
                results.add(new ApplyResult.GetOutcome(kv));
            }
        }
        model.clear();
        model.putAll(working);
        return ApplyResult.txn(index, 0, ok, results);
    }

    private KeyValue put(Map<String, KeyValue> model, byte[] key, byte[] value, long rev) {
        KeyValue prev = model.get(str(key));
        KeyValue next = prev == null
                ? new KeyValue(key, value, rev, rev, 1)
                : new KeyValue(key, value, prev.createRevision(), rev, prev.version() + 1);
        model.put(str(key), next);
        changed = true;
        events.add(new KvEvent(KvEvent.Type.PUT, next, sub++));
        return next;
    }

    private static boolean holds(Expectation e, KeyValue current) {
        if (e instanceof Absent) {
            return current == null;
        }
        if (e instanceof ValueEquals v) {
            return current != null && java.util.Arrays.equals(current.value(), v.value());
        }
        return current != null && current.modRevision() == ((ModRevisionEquals) e).modRevision();
    }

    private static void assertSameResult(ApplyResult got, ApplyResult expected, String what) {
        assertThat(got.status()).as(what).isEqualTo(expected.status());
        assertThat(got.revision()).as(what + " revision").isEqualTo(expected.revision());
        assertSameKv(got.keyValue(), expected.keyValue(), what + " keyValue");
        assertSameKv(got.previous(), expected.previous(), what + " previous");
        assertThat(got.txnResults()).as(what + " txn results").hasSameSizeAs(expected.txnResults());
        for (int i = 0; i < got.txnResults().size(); i++) {
            ApplyResult.TxnOpResult g = got.txnResults().get(i);
            ApplyResult.TxnOpResult e = expected.txnResults().get(i);
            if (e instanceof ApplyResult.GetOutcome ge) {
                assertThat(g).as(what + " op " + i).isInstanceOf(ApplyResult.GetOutcome.class);
                assertSameKv(((ApplyResult.GetOutcome) g).keyValue(), ge.keyValue(), what + " op " + i);
            } else {
                assertThat(g).as(what + " op " + i).isEqualTo(e);
            }
        }
    }

    private static void assertSameKv(KeyValue got, KeyValue expected, String what) {
        if (expected == null) {
            assertThat(got).as(what).isNull();
            return;
        }
        assertThat(got).as(what).isNotNull();
        assertThat(str(got.key())).as(what + " key").isEqualTo(str(expected.key()));
        assertThat(got.value()).as(what + " value").isEqualTo(expected.value());
        assertThat(new long[] {got.createRevision(), got.modRevision(), got.version()})
                .as(what + " create, mod, version")
                .containsExactly(expected.createRevision(), expected.modRevision(), expected.version());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
