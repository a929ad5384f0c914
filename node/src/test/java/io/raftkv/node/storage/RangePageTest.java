package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Range page, at the current revision (storage format 3: {@code kv_meta} scanned, each kept
 * value read from the history event it names) and at an earlier one ({@code key_index} +
 * {@code history}), must be exactly what a model of the same writes gives: keys in order, at most
 * {@code limit}, at most {@code maxBytes} (the first key always), {@code more}, the count of the
 * whole range, keys-only and count-only pages. Values are of mixed sizes (some of 20–40 KB) so that
 * the byte limit cuts pages at every position.
 */
class RangePageTest {
    private static final int KEYS = 300;

    @TempDir
    Path dir;

    @Test
    void pagesEqualTheOneKeyAtATimeModel() {
        long seed = new Random().nextLong();
        System.out.println("RangePageTest seed " + seed);
        Random random = new Random(seed);
        TreeMap<String, KeyValue> live = new TreeMap<>();
        try (NodeStorage storage = NodeStorage.open(dir, StorageOptions.defaults())) {
            List<Entry> es = new ArrayList<>();
            long revision = 1; // the empty store
            for (int i = 0; i < KEYS; i++) {
                byte[] key = key(i);
                byte[] value = value(random);
                es.add(entry(es.size() + 1, new Command.Put(key, value, 0)));
                revision++;
                live.put(name(key), new KeyValue(key, value, revision, revision, 1));
            }
            TreeMap<String, KeyValue> before = new TreeMap<>(live);
            long beforeRevision = revision;
            for (int i = 0; i < KEYS; i++) { // overwrite a third, delete a sixth
                byte[] key = key(i);
                int roll = random.nextInt(6);
                if (roll < 2) {
                    byte[] value = value(random);
                    es.add(entry(es.size() + 1, new Command.Put(key, value, 0)));
                    revision++;
                    KeyValue old = live.get(name(key));
                    live.put(name(key), new KeyValue(key, value, old.createRevision(), revision, old.version() + 1));
                } else if (roll == 2) {
                    es.add(entry(es.size() + 1, new Command.Delete(key)));
                    revision++;
                    live.remove(name(key));
                }
            }
            storage.raftLog().persist(new HardState(1, 1, es.size()), es, null).join();
            storage.stateMachine().apply(es, Map.of()).join();
            assertThat(storage.stateMachine().revisions().current()).isEqualTo(revision);

            for (int round = 0; round < 400; round++) {
                boolean current = random.nextBoolean();
                TreeMap<String, KeyValue> model = current ? live : before;
                int from = random.nextInt(KEYS);
                int to = from + random.nextInt(KEYS - from + 1);
                int limit = 1 + random.nextInt(random.nextBoolean() ? 5 : 80);
                long maxBytes = 1 + random.nextInt(random.nextBoolean() ? 2_000 : 100_000);
                boolean keysOnly = random.nextInt(4) == 0;
                boolean countOnly = !keysOnly && random.nextInt(8) == 0;
                byte[] start = key(from);
                byte[] end = to == KEYS ? null : key(to);
                RangeResult got = storage.stateMachine()
                        .range(start, end, current ? 0 : beforeRevision, limit, maxBytes, keysOnly, countOnly);

                List<KeyValue> inRange = new ArrayList<>(
                        (end == null ? model.tailMap(name(start)) : model.subMap(name(start), name(end))).values());
                List<KeyValue> expected = new ArrayList<>();
                long bytes = 0;
                boolean more = false;
                for (KeyValue kv : countOnly ? List.<KeyValue>of() : inRange) {
                    long size = kv.key().length + (keysOnly ? 0 : kv.value().length);
                    if (expected.size() == limit || (!expected.isEmpty() && bytes + size > maxBytes)) {
                        more = true;
                        break;
                    }
                    bytes += size;
                    expected.add(keysOnly ? kv.withoutValue() : kv);
                }
                String what = String.format(
                        "round %d seed %d: [%d, %d) at %s, limit %d, maxBytes %d, keysOnly %b, countOnly %b",
                        round,
                        seed,
                        from,
                        to,
                        current ? "current" : beforeRevision,
                        limit,
                        maxBytes,
                        keysOnly,
                        countOnly);
                assertThat(got.keyValues()).as(what).isEqualTo(expected);
                assertThat(got.more()).as(what).isEqualTo(more);
                assertThat(got.count()).as(what).isEqualTo(inRange.size());
                assertThat(got.revision()).as(what).isEqualTo(current ? revision : beforeRevision);
            }
        }
    }

    private static Entry entry(long index, Command.Operation op) {
        return Entry.normal(1, index, CommandCodec.encode(Command.of(op)));
    }

    private static byte[] key(int i) {
        return String.format("k%04d", i).getBytes(StandardCharsets.UTF_8);
    }

    private static String name(byte[] key) {
        return new String(key, StandardCharsets.UTF_8);
    }

    private static byte[] value(Random random) {
        byte[] value = new byte[random.nextInt(8) == 0 ? 20_000 + random.nextInt(20_000) : random.nextInt(600)];
        random.nextBytes(value);
        return value;
    }
}
