package io.raftkv.node.watch;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.raftkv.api.v1.Header;
import io.raftkv.api.v1.WatchCreateRequest;
import io.raftkv.api.v1.WatchResponse;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Figures, not a test (runs only with -Dwatch.figures=true): one member's state machine applying
 * puts as fast as it can in batches of 100, with 0 and then 1,000 watchers on its hub (each watching
 * the prefix of 1/10 of the keys, so each change goes to 100 watchers), in the same run; prints write
 * throughput with and without watchers and the events delivered per second. The sinks count what
 * they get and report nothing pending, so this measures the member's own work (apply, hand-off,
 * matching, building responses), not a network or a client.
 *
 * <pre>mvn -pl node test -Dtest=WatchFanOutFigures -Dwatch.figures=true</pre>
 */
class WatchFanOutFigures {
    private static final int WATCHERS = 1_000;
    private static final int BATCH = 100;
    private static final int BATCHES = 300;

    @Test
    void writeThroughputWithAndWithoutAThousandWatchers() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("watch.figures"), "set -Dwatch.figures=true to run");
        Path dir = Files.createTempDirectory("watch-figures");
        try (NodeStorage storage = NodeStorage.open(dir, StorageOptions.defaults())) {
            long[] index = {1};
            double bare = run(storage, index, null);
            System.out.printf("writes/s without watchers: %.0f%n", bare);
            // The same load twice: watchers served one at a time (as before the index), then in
            // groups through the index. Besides wall-clock rates (which a loaded machine distorts),
            // the hub thread's own CPU time per delivered event.
            for (int group : new int[] {Integer.MAX_VALUE, 2}) {
                WatchHub.sharedGroup = group;
                watched(storage, index, group == 2 ? "grouped, through the index" : "one watcher at a time", bare);
            }
            WatchHub.sharedGroup = 2;
        }
    }

    private static void watched(NodeStorage storage, long[] index, String how, double bare) {
        AtomicLong events = new AtomicLong();
        WatchHub hub = new WatchHub(
                WatchSource.of(storage::stateMachine),
                WatchOptions.defaults(),
                rev -> Header.newBuilder().setRevision(rev).build(),
                new WatchMetrics(new SimpleMeterRegistry()));
        storage.stateMachine().setChangeListener(hub);
        for (int w = 0; w < WATCHERS; w++) {
            String prefix = "key" + (w % 10);
            hub.create(
                    new WatchSink() {
                        @Override
                        public void send(WatchResponse response) {
                            events.addAndGet(response.getEventsCount());
                        }

                        @Override
                        public long pendingBytes() {
                            return 0;
                        }
                    },
                    WatchCreateRequest.getDefaultInstance(),
                    b(prefix),
                    b("key" + (char) ('0' + (w % 10) + 1)));
        }
        while (hub.watchers() < WATCHERS) {
            Thread.onSpinWait(); // every watcher registered before the writes start
        }
        long hubCpu0 = hubCpuNanos();
        long start = System.nanoTime();
        double watched = run(storage, index, hub);
        long expected = (long) BATCH * BATCHES * (WATCHERS / 10);
        while (events.get() < expected && System.nanoTime() - start < 120_000_000_000L) {
            Thread.onSpinWait();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long hubCpu = hubCpuNanos() - hubCpu0;
        System.out.printf(
                "%s: writes/s with %d watchers: %.0f (%.1f %% of the bare rate)%n",
                how, WATCHERS, watched, 100 * watched / bare);
        System.out.printf(
                "%s: events delivered: %d of %d in %.2f s = %.0f events/s; hub thread CPU %.2f s = %.2f µs per event%n",
                how,
                events.get(),
                expected,
                seconds,
                events.get() / seconds,
                hubCpu / 1e9,
                hubCpu / 1e3 / Math.max(1, events.get()));
        hub.close();
    }

    /** CPU time of the (one) live hub thread, {@code raftkv-watch}. */
    private static long hubCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().equals("raftkv-watch")) {
                total += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
            }
        }
        return total;
    }

    private static double run(NodeStorage storage, long[] index, WatchHub hub) {
        long start = System.nanoTime();
        for (int b = 0; b < BATCHES; b++) {
            List<Entry> es = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                long n = index[0]++;
                es.add(new Entry(
                        1,
                        n,
                        EntryType.NORMAL,
                        CommandCodec.encode(
                                Command.of(new Command.Put(b("key" + (n % 10) + "/" + (n % 5000)), new byte[100])))));
            }
            storage.raftLog()
                    .persist(new HardState(1, 1, index[0] - 1), es, null)
                    .join();
            storage.stateMachine().apply(es, Map.of()).join();
        }
        return (double) BATCH * BATCHES / ((System.nanoTime() - start) / 1e9);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
