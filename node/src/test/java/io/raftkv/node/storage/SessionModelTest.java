package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.ApplyResult.Status;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client sessions against a plain model of their rules (Raft dissertation §6.3 with expiry by log
 * index): every answer, and the set of stored sessions after every batch, must match the model —
 * whatever the batch cuts, with restarts in between (empty session cache, sweep bookkeeping lost),
 * and with results too large for the session cache. Randomized; the seed is printed.
 */
class SessionModelTest {
    private static final long EXPIRY = 12;

    @TempDir
    Path dir;

    /** What the model remembers of a client: its last sequence and the index that last used it. */
    private record ModelSession(long lastSequence, long lastUsed) {}

    @Test
    void answersAndStoredSessionsMatchTheModelAcrossBatchCutsAndRestarts() {
        long seed = System.nanoTime();
        System.out.println("SessionModelTest seed " + seed);
        Random rnd = new Random(seed);
        StorageOptions options = StorageOptions.defaults().withSessionExpiryEntries(EXPIRY);
        Map<Long, ModelSession> model = new HashMap<>();
        Map<Long, Long> nextSequence = new HashMap<>();
        NodeStorage storage = NodeStorage.open(dir, options);
        long index = 0;
        int duplicates = 0;
        int rejected = 0;
        long cacheHits = 0;
        try {
            for (int round = 0; round < 400; round++) {
                int size = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 25 : 4);
                List<Entry> batch = new ArrayList<>();
                List<Status> expected = new ArrayList<>();
                List<Boolean> expectDuplicate = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    index++;
                    Command c = nextCommand(rnd, nextSequence, index);
                    batch.add(new Entry(1, index, EntryType.NORMAL, CommandCodec.encode(c)));
                    modelApply(model, c, index, expected, expectDuplicate);
                }
                storage.raftLog()
                        .persist(new HardState(1, 1, index), batch, null)
                        .join();
                List<ApplyResult> got =
                        storage.stateMachine().apply(batch, Map.of()).join();
                for (int i = 0; i < got.size(); i++) {
                    assertThat(got.get(i).status())
                            .as("seed %d entry %d", seed, batch.get(i).index())
                            .isEqualTo(expected.get(i));
                    assertThat(got.get(i).duplicate())
                            .as("seed %d entry %d duplicate", seed, batch.get(i).index())
                            .isEqualTo(expectDuplicate.get(i));
                    duplicates += expectDuplicate.get(i) ? 1 : 0;
                    rejected += expected.get(i) == Status.REJECTED ? 1 : 0;
                }
                // Stored sessions: exactly those the model has not expired at the batch's last index.
                long end = index;
                TreeSet<Long> live = new TreeSet<>();
                model.forEach((client, s) -> {
                    if (end - s.lastUsed() <= EXPIRY) {
                        live.add(client);
                    }
                });
                assertThat(storage.stateMachine().storedSessionClients())
                        .as("seed %d after index %d", seed, end)
                        .containsExactlyElementsOf(live);
                if (rnd.nextInt(40) == 0) {
                    cacheHits += storage.stateMachine().sessionCache().hits();
                    storage.close();
                    storage = NodeStorage.open(dir, options);
                }
            }
            cacheHits += storage.stateMachine().sessionCache().hits();
            assertThat(cacheHits)
                    .as("seed %d: sessions were found in the cache", seed)
                    .isPositive();
        } finally {
            storage.close();
        }
        assertThat(duplicates).as("seed %d: the run exercised retries", seed).isPositive();
        assertThat(rejected).as("seed %d: the run exercised refusals", seed).isPositive();
    }

    /** A command from one of 20 clients: usually its next request, sometimes a retry, a stale or a restart. */
    private static Command nextCommand(Random rnd, Map<Long, Long> nextSequence, long index) {
        if (rnd.nextInt(5) == 0) {
            return Command.of(new Put(("k" + rnd.nextInt(10)).getBytes(), ("v" + index).getBytes()));
        }
        long client = 1 + rnd.nextInt(20);
        long next = nextSequence.getOrDefault(client, 1L);
        long seq;
        int pick = rnd.nextInt(10);
        if (pick == 0 && next > 1) {
            seq = next - 1; // a retry of the last request
        } else if (pick == 1 && next > 2) {
            seq = 1 + rnd.nextInt((int) (next - 2)); // a stale request
        } else if (pick == 2) {
            seq = 1; // a client starting over (after its session expired, say)
            nextSequence.put(client, 2L);
        } else {
            seq = next;
            nextSequence.put(client, next + 1);
        }
        // Values up to 1,200 bytes: the session keeps the result, so some records are too large to cache.
        byte[] value = new byte[1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 1200)];
        rnd.nextBytes(value);
        return Command.inSession(client, seq, new Put(("s" + rnd.nextInt(10)).getBytes(), value));
    }

    private static void modelApply(
            Map<Long, ModelSession> model,
            Command c,
            long index,
            List<Status> expected,
            List<Boolean> expectDuplicate) {
        if (c.session() == null) {
            expected.add(Status.APPLIED);
            expectDuplicate.add(false);
            return;
        }
        long client = c.session().clientId();
        long seq = c.session().sequence();
        ModelSession s = model.get(client);
        if (s != null && index - s.lastUsed() > EXPIRY) {
            s = null;
        }
        if (s == null && seq != 1) {
            expected.add(Status.REJECTED);
            expectDuplicate.add(false);
        } else if (s != null && seq == s.lastSequence()) {
            expected.add(Status.APPLIED);
            expectDuplicate.add(true);
            model.put(client, new ModelSession(seq, index));
        } else if (s != null && seq < s.lastSequence()) {
            expected.add(Status.REJECTED);
            expectDuplicate.add(false);
        } else {
            expected.add(Status.APPLIED);
            expectDuplicate.add(false);
            model.put(client, new ModelSession(seq, index));
        }
    }
}
