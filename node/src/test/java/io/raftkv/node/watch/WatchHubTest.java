package io.raftkv.node.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.raftkv.api.v1.Event;
import io.raftkv.api.v1.Header;
import io.raftkv.api.v1.WatchCreateRequest;
import io.raftkv.api.v1.WatchResponse;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyRanges;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub against a model: random writes (puts, deletes, transactions, deletes by prefix) applied
 * through a real state machine in batches of random size, watchers over random keys, prefixes and
 * ranges created at random moments from random start revisions (past, current, future), with prev_kv
 * and filters; the ring is tiny (so watchers keep falling back to the history on disk), the
 * hand-off budget small (so batches are dropped and read back from disk), and the state is "reset"
 * once as a snapshot install does. Every watcher must receive exactly the model's changes of its
 * keys from its start revision: no gap, no duplicate, no reorder, correct prev_kv. Seeded; the seed
 * is printed.
 */
class WatchHubTest {
    @TempDir
    Path dir;

    private NodeStorage storage;
    private WatchHub hub;
    private long nextIndex = 1;

    /** A sink that keeps what it is sent; {@code pending} is what it reports as unsent. */
    static final class Sink implements WatchSink {
        final List<WatchResponse> got = new CopyOnWriteArrayList<>();
        volatile long pending;

        @Override
        public void send(WatchResponse response) {
            got.add(response);
        }

        @Override
        public long pendingBytes() {
            return pending;
        }
    }

    /** One change as the model saw it. */
    record Change(long revision, boolean put, String key, String value, String prev) {}

    @BeforeEach
    void open() {
        storage = NodeStorage.open(dir, StorageOptions.defaults());
    }

    @AfterEach
    void close() {
        if (hub != null) {
            hub.close();
        }
        storage.close();
    }

    private void startHub(WatchOptions options) {
        hub = new WatchHub(
                WatchSource.of(storage::stateMachine),
                options,
                rev -> Header.newBuilder().setRevision(rev).build(),
                new WatchMetrics(new SimpleMeterRegistry()));
        storage.stateMachine().setChangeListener(hub);
    }

    private void apply(List<Command> cs) {
        List<Entry> es = new ArrayList<>();
        for (Command c : cs) {
            es.add(new Entry(1, nextIndex++, EntryType.NORMAL, CommandCodec.encode(c)));
        }
        storage.raftLog().persist(new HardState(1, 1, nextIndex - 1), es, null).join();
        storage.stateMachine().apply(es, Map.of()).join();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(com.google.protobuf.ByteString b) {
        return b.toStringUtf8();
    }

    @Test
    void everyWatcherGetsExactlyItsKeysChangesFromItsStartRevision() {
        long seed = new Random().nextLong();
        System.out.println("WatchHubTest seed " + seed);
        Random rnd = new Random(seed);
        startHub(new WatchOptions(1L << 30, 2_000, 4_000, 1_000, 60_000, 1 + rnd.nextInt(20), 4_096));

        TreeMap<String, String> model = new TreeMap<>();
        List<Change> changes = new ArrayList<>();
        long revision = 1;
        record W(Sink sink, long id, String start, String end, long from, boolean noPut, boolean noDelete) {}
        List<W> watchers = new ArrayList<>();
        for (int round = 0; round < 300; round++) {
            if (rnd.nextInt(6) == 0) {
                String start = "k" + rnd.nextInt(10);
                String end = switch (rnd.nextInt(3)) {
                    case 0 -> start + "\0"; // one key
                    case 1 -> new String(KeyRanges.prefixEnd(b(start)), StandardCharsets.UTF_8); // prefix
                    default -> "k" + (char) ('0' + 1 + rnd.nextInt(9)) + "z"; // a range
                };
                if (end.compareTo(start) <= 0) {
                    end = start + "\0";
                }
                long from = switch (rnd.nextInt(3)) {
                    case 0 -> 0;
                    case 1 -> Math.max(1, revision - rnd.nextInt(50));
                    default -> revision + 1 + rnd.nextInt(5);
                };
                boolean noPut = rnd.nextInt(8) == 0;
                boolean noDelete = !noPut && rnd.nextInt(8) == 0;
                Sink sink = new Sink();
                WatchCreateRequest.Builder r =
                        WatchCreateRequest.newBuilder().setStartRevision(from).setPrevKv(true);
                if (noPut) {
                    r.addFilters(WatchCreateRequest.FilterType.NOPUT);
                }
                if (noDelete) {
                    r.addFilters(WatchCreateRequest.FilterType.NODELETE);
                }
                hub.create(sink, r.build(), b(start), b(end));
                // A watcher created "from now" starts after the revision the hub knew: wait for its answer.
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !sink.got.isEmpty());
                long createdAt = sink.got.get(0).getHeader().getRevision();
                watchers.add(new W(
                        sink,
                        sink.got.get(0).getWatchId(),
                        start,
                        end,
                        from == 0 ? createdAt + 1 : from,
                        noPut,
                        noDelete));
            }
            if (round == 150) {
                hub.reset(storage.stateMachine().revisions()); // as a snapshot install does
            }
            List<Command> batch = new ArrayList<>();
            TreeMap<String, String> after = new TreeMap<>(model);
            List<List<Change>> batchChanges = new ArrayList<>();
            for (int i = 1 + rnd.nextInt(6); i > 0; i--) {
                List<Change> entry = new ArrayList<>();
                long rev = revision + 1;
                int kind = rnd.nextInt(10);
                if (kind < 5) {
                    String k = "k" + rnd.nextInt(10) + (rnd.nextBoolean() ? "" : "/" + rnd.nextInt(3));
                    String v = "v" + round + "." + i;
                    batch.add(Command.of(new Command.Put(b(k), b(v))));
                    entry.add(new Change(rev, true, k, v, after.put(k, v)));
                } else if (kind < 7) {
                    String k = after.isEmpty() ? "k0" : new ArrayList<>(after.keySet()).get(rnd.nextInt(after.size()));
                    batch.add(Command.of(new Command.Delete(b(k))));
                    String prev = after.remove(k);
                    if (prev != null) {
                        entry.add(new Change(rev, false, k, "", prev));
                    }
                } else if (kind < 9) {
                    String k1 = "k" + rnd.nextInt(10);
                    String k2 = "k" + rnd.nextInt(10) + "/1";
                    batch.add(Command.of(new Command.Txn(
                            List.of(),
                            List.of(
                                    new Command.Put(b(k1), b("t" + round)),
                                    new Command.Delete(b(k2)),
                                    new Command.Put(b(k1), b("u" + round))),
                            List.of())));
                    entry.add(new Change(rev, true, k1, "t" + round, after.put(k1, "t" + round)));
                    String prev2 = after.remove(k2);
                    if (prev2 != null) {
                        entry.add(new Change(rev, false, k2, "", prev2));
                    }
                    entry.add(new Change(rev, true, k1, "u" + round, after.put(k1, "u" + round)));
                } else {
                    String p = "k" + rnd.nextInt(10) + "/";
                    batch.add(Command.of(
                            new Command.Txn(List.of(), List.of(Command.DeleteRange.prefix(b(p), false)), List.of())));
                    for (String k :
                            new ArrayList<>(after.subMap(p, p + "\uffff").keySet())) {
                        entry.add(new Change(rev, false, k, "", after.remove(k)));
                    }
                }
                if (!entry.isEmpty()) {
                    revision = rev;
                    changes.addAll(entry);
                }
                batchChanges.add(entry);
            }
            apply(batch);
            model = after;
        }
        assertThat(storage.stateMachine().revisions().current()).isEqualTo(revision);

        for (W w : watchers) {
            List<Change> expected = changes.stream()
                    .filter(c -> c.revision() >= w.from()
                            && c.key().compareTo(w.start()) >= 0
                            && c.key().compareTo(w.end()) < 0
                            && !(c.put() && w.noPut())
                            && !(!c.put() && w.noDelete()))
                    .toList();
            String what = "seed " + seed + " watcher [" + w.start() + ", " + w.end() + ") from " + w.from();
            Awaitility.await(what)
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(received(w.sink())).as(what).containsExactlyElementsOf(expected));
            // Event headers never go backwards (the created answer carries the member's revision at
            // creation, which a watcher from the past is behind), and no response is canceled.
            long last = 0;
            for (WatchResponse r : w.sink().got) {
                assertThat(r.getCanceled())
                        .as(what + ": " + r.getCancelReason())
                        .isFalse();
                if (r.getCreated()) {
                    continue;
                }
                assertThat(r.getHeader().getRevision()).as(what).isGreaterThanOrEqualTo(last);
                last = r.getHeader().getRevision();
            }
        }
    }

    private static List<Change> received(Sink sink) {
        List<Change> out = new ArrayList<>();
        for (WatchResponse r : sink.got) {
            for (Event e : r.getEventsList()) {
                out.add(new Change(
                        e.getKv().getModRevision(),
                        e.getType() == Event.EventType.PUT,
                        s(e.getKv().getKey()),
                        s(e.getKv().getValue()),
                        e.hasPrevKv() ? s(e.getPrevKv().getValue()) : null));
            }
        }
        return out;
    }

    @Test
    void aCompactedStartRevisionIsRefusedNamingTheCompactRevision() {
        startHub(WatchOptions.defaults());
        for (int i = 0; i < 5; i++) {
            apply(List.of(Command.of(new Command.Put(b("k"), b("v" + i)))));
        }
        apply(List.of(Command.of(new Command.Compact(4))));
        Sink sink = new Sink();
        hub.create(sink, WatchCreateRequest.newBuilder().setStartRevision(3).build(), b("k"), b("k\0"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !sink.got.isEmpty());
        WatchResponse r = sink.got.get(0);
        assertThat(r.getCreated()).isTrue();
        assertThat(r.getCanceled()).isTrue();
        assertThat(r.getCompactRevision()).isEqualTo(4);
        assertThat(r.getCancelReason()).contains("compact revision is 4");

        Sink ok = new Sink();
        hub.create(ok, WatchCreateRequest.newBuilder().setStartRevision(4).build(), b("k"), b("k\0"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ok.got.size() >= 2);
        assertThat(ok.got.get(1).getEventsList())
                .extracting(e -> e.getKv().getModRevision())
                .containsExactly(4L, 5L, 6L);
    }

    @Test
    void aWatcherWhoseClientDoesNotReadIsCanceledNamingTheRevisionToResumeFrom() {
        startHub(WatchOptions.defaults().withStreamBufferBytes(1_000));
        Sink slow = new Sink();
        hub.create(slow, WatchCreateRequest.getDefaultInstance(), b("k"), b("k\0"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !slow.got.isEmpty());
        slow.pending = 5_000;
        apply(List.of(Command.of(new Command.Put(b("k"), b("v")))));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> slow.got.size() >= 2);
        WatchResponse r = slow.got.get(1);
        assertThat(r.getCanceled()).isTrue();
        assertThat(r.getEventsCount()).isZero();
        assertThat(r.getCancelReason()).contains("slow watcher").contains("watch again from revision 2");
        assertThat(hub.watchers()).isZero();
    }

    @Test
    void changesNobodyWatchedAreReadFromTheHistoryByALaterWatcher() {
        startHub(WatchOptions.defaults());
        for (int i = 0; i < 3; i++) {
            apply(List.of(Command.of(new Command.Put(b("k"), b("a" + i))))); // revisions 2..4, no watcher
        }
        Sink first = new Sink();
        hub.create(first, WatchCreateRequest.getDefaultInstance(), b("k"), b("k\0"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !first.got.isEmpty());
        apply(List.of(Command.of(new Command.Put(b("k"), b("b"))))); // 5, handed off to the hub
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> first.got.size() >= 2);
        hub.closed(first);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> hub.watchers() == 0);
        for (int i = 0; i < 3; i++) {
            apply(List.of(Command.of(new Command.Put(b("k"), b("c" + i))))); // 6..8, no watcher again
        }

        Sink late = new Sink();
        hub.create(late, WatchCreateRequest.newBuilder().setStartRevision(2).build(), b("k"), b("k\0"));
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> revisionsOf(late).size() == 7);
        apply(List.of(Command.of(new Command.Put(b("k"), b("d")))));
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> revisionsOf(late).size() == 8);
        assertThat(revisionsOf(late)).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    }

    /**
     * A watcher "from now" created while a batch is applied on another thread, on a member with no
     * other watcher: the batch is either before its start or delivered, without a later write to
     * wake the hub.
     */
    @Test
    void aWatcherCreatedDuringAnApplyOnAnUnwatchedMemberMissesNothing() throws Exception {
        startHub(WatchOptions.defaults());
        java.util.concurrent.ExecutorService writer = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < 100; i++) {
                Sink sink = new Sink();
                String v = "v" + i;
                java.util.concurrent.Future<?> write =
                        writer.submit(() -> apply(List.of(Command.of(new Command.Put(b("k"), b(v))))));
                hub.create(sink, WatchCreateRequest.getDefaultInstance(), b("k"), b("k\0"));
                write.get();
                long written = storage.stateMachine().revisions().current();
                quick().until(() -> !sink.got.isEmpty());
                long createdAt = sink.got.get(0).getHeader().getRevision();
                if (createdAt < written) {
                    String what = "watcher created at revision " + createdAt + ", write at " + written;
                    quick(what).until(() -> revisionsOf(sink).contains(written));
                }
                hub.closed(sink);
                quick().until(() -> hub.watchers() == 0);
            }
        } finally {
            writer.shutdownNow();
        }
    }

    /** An await that polls every millisecond (the loop above runs it hundreds of times). */
    private static org.awaitility.core.ConditionFactory quick() {
        return quick("");
    }

    private static org.awaitility.core.ConditionFactory quick(String what) {
        return Awaitility.await(what)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(1))
                .atMost(Duration.ofSeconds(10));
    }

    private static List<Long> revisionsOf(Sink sink) {
        List<Long> out = new ArrayList<>();
        for (WatchResponse r : sink.got) {
            for (Event e : r.getEventsList()) {
                out.add(e.getKv().getModRevision());
            }
        }
        return out;
    }
}
