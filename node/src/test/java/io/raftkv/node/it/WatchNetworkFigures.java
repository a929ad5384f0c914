package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.Watcher;
import io.raftkv.api.v1.Event;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.WatchCreateRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Figures, not a test (runs only with {@code -Dwatch.figures=true}): one real node process, a writer
 * keeping {@link #IN_FLIGHT} puts of 100-byte values in flight for {@code watch.figures.seconds}
 * (default 20) with no watchers, then the same with {@code watch.figures.watchers} (default 1,000)
 * client {@link Watcher}s over gRPC (one stream each, spread over {@link #CLIENTS} clients), each
 * watching the prefix of 1/{@code watch.figures.groups} (default 10) of the keys. Prints the write
 * rate without and with the watchers, the events the watchers received per second during the
 * window, and how long they needed after it to catch up (every watcher delivered up to the last
 * revision written).
 *
 * <pre>mvn -pl node test -Dtest=WatchNetworkFigures -Dwatch.figures=true</pre>
 */
@ExtendWith(DumpLogsOnFailure.class)
class WatchNetworkFigures {
    private static final int IN_FLIGHT = 64;
    private static final int CLIENTS = 10;
    private static final ByteString VALUE = ByteString.copyFrom(new byte[100]);

    @Test
    void eventsPerSecondToAThousandClientWatchers() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("watch.figures"), "set -Dwatch.figures=true to run");
        int watchers = Integer.getInteger("watch.figures.watchers", 1_000);
        int groups = Integer.getInteger("watch.figures.groups", 10);
        Duration window = Duration.ofSeconds(Integer.getInteger("watch.figures.seconds", 20));
        try (LocalCluster cluster = LocalCluster.start("watchfig", 1, List.of())) {
            cluster.awaitLeader();
            RaftKvClient writer = cluster.client();
            write(writer, groups, Duration.ofSeconds(3)); // warm-up
            long[] bare = write(writer, groups, window);

            List<RaftKvClient> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(cluster.client());
            }
            LongAdder events = new LongAdder();
            AtomicLongArray delivered = new AtomicLongArray(watchers);
            List<RaftKvException> ended = new CopyOnWriteArrayList<>();
            List<Watcher> open = new ArrayList<>();
            for (int i = 0; i < watchers; i++) {
                int index = i;
                open.add(clients.get(i % CLIENTS)
                        .watch(
                                WatchCreateRequest.newBuilder()
                                        .setKey(RaftKvClient.utf8("k" + (i % groups) + "/"))
                                        .setPrefix(true)
                                        .build(),
                                new Watcher.Listener() {
                                    @Override
                                    public void onEvents(List<Event> es, long revision) {
                                        events.add(es.size());
                                        delivered.set(index, revision);
                                    }

                                    @Override
                                    public void onClosed(RaftKvException errorOrNull) {
                                        ended.add(errorOrNull);
                                    }
                                }));
            }
            // Every watcher is open once it saw a marker written after all were created.
            Awaitility.await("every watcher open")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        for (int g = 0; g < groups; g++) {
                            writer.blocking().put("k" + g + "/marker", "m");
                        }
                        for (int i = 0; i < watchers; i++) {
                            if (delivered.get(i) == 0) {
                                return false;
                            }
                        }
                        return true;
                    });
            long before = events.sum();
            long[] watched = write(writer, groups, window);
            long inWindow = events.sum() - before;
            long last = watched[2];
            long drainStart = System.nanoTime();
            Awaitility.await("every watcher caught up")
                    .atMost(Duration.ofSeconds(300))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        for (int i = 0; i < watchers; i++) {
                            if (delivered.get(i) < last) {
                                return false;
                            }
                        }
                        return true;
                    });
            double drain = (System.nanoTime() - drainStart) / 1e9;
            long total = events.sum() - before;
            double seconds = window.toNanos() / 1e9;
            System.out.printf(
                    "node: 1 process; watchers: %d over %d clients, each on 1/%d of the keys%n",
                    watchers, CLIENTS, groups);
            System.out.printf("writes/s without watchers: %.0f (%d in %.0f s)%n", bare[0] / seconds, bare[0], seconds);
            System.out.printf(
                    "writes/s with watchers: %.0f (%.1f %% of the bare rate)%n",
                    watched[0] / seconds, 100.0 * watched[0] / bare[0]);
            System.out.printf("events received during the window: %d = %.0f events/s%n", inWindow, inWindow / seconds);
            System.out.printf(
                    "events in all: %d (expected %d); caught up %.2f s after the window: %.0f events/s overall%n",
                    total, watched[0] * (watchers / groups), drain, total / (seconds + drain));
            System.out.printf("watchers ended: %d%n", ended.size());
            assertThat(ended).isEmpty();
            open.forEach(Watcher::close);
        }
    }

    /** Puts for {@code window} with {@link #IN_FLIGHT} in flight; returns {writes, failures, last revision}. */
    private static long[] write(RaftKvClient writer, int groups, Duration window) throws InterruptedException {
        long deadline = System.nanoTime() + window.toNanos();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong last = new AtomicLong();
        AtomicLong n = new AtomicLong();
        CountDownLatch done = new CountDownLatch(IN_FLIGHT);
        for (int i = 0; i < IN_FLIGHT; i++) {
            next(writer, groups, deadline, ok, failed, last, n, done);
        }
        assertThat(done.await(window.toSeconds() + 60, TimeUnit.SECONDS)).isTrue();
        return new long[] {ok.get(), failed.get(), last.get()};
    }

    private static void next(
            RaftKvClient writer,
            int groups,
            long deadline,
            AtomicLong ok,
            AtomicLong failed,
            AtomicLong last,
            AtomicLong n,
            CountDownLatch done) {
        if (System.nanoTime() >= deadline) {
            done.countDown();
            return;
        }
        long i = n.getAndIncrement();
        writer.put(PutRequest.newBuilder()
                        .setKey(RaftKvClient.utf8("k" + (i % groups) + "/" + (i % 5_000)))
                        .setValue(VALUE)
                        .build())
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        ok.incrementAndGet();
                        last.accumulateAndGet(ar.result().getHeader().getRevision(), Math::max);
                    } else {
                        failed.incrementAndGet();
                    }
                    next(writer, groups, deadline, ok, failed, last, n, done);
                });
    }
}
