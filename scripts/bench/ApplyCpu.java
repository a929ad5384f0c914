import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.storage.KvStateMachine;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.node.watch.WatchHub;
import io.raftkv.node.watch.WatchMetrics;
import io.raftkv.node.watch.WatchOptions;
import io.raftkv.node.watch.WatchSink;
import io.raftkv.node.watch.WatchSource;
import io.raftkv.raft.Entry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * CPU per put of the state machine's apply path, in one process, without a cluster: a node's
 * storage in a fresh directory, session puts (16 clients, 8 B keys over 10,000 keys, 256 B values)
 * applied in batches of 100 entries as the Raft loop hands them over. Prints the apply thread's
 * CPU and the whole process's (RocksDB's flush and compaction threads included) per put. Being
 * CPU time of one thread, it moves far less with other load on the machine than a cluster run.
 *
 * <p>BATCH: entries per apply call (default 100; a loaded cluster hands over far fewer at a time).
 * WATCH: {@code none} (default) applies without a watch hub; {@code hub} attaches the node's watch
 * hub with no watcher (as a node nobody watches); {@code watcher} adds one watcher of a key never
 * written, so every batch is handed to the hub and kept in its ring. The process CPU then includes
 * the hub thread and the garbage collector's extra work (run it with the node's heap, -Xmx192m).
 *
 * <pre>java -Xmx192m -cp node/target/raftkv-node.jar scripts/bench/ApplyCpu.java DIR [WARM-UP PUTS] [MEASURED PUTS] [WATCH] [BATCH]</pre>
 */
public class ApplyCpu {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(args[0]), "apply-cpu");
        int warm = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int measured = args.length > 2 ? Integer.parseInt(args[2]) : 150_000;
        String watch = args.length > 3 ? args[3] : "none";
        int batchSize = args.length > 4 ? Integer.parseInt(args[4]) : 100;
        NodeStorage storage = NodeStorage.open(dir, StorageOptions.defaults());
        KvStateMachine sm = storage.stateMachine();
        WatchHub hub = null;
        if (!watch.equals("none")) {
            hub = new WatchHub(
                    WatchSource.of(() -> sm),
                    WatchOptions.defaults(),
                    rev -> io.raftkv.api.v1.Header.newBuilder().setRevision(rev).build(),
                    new WatchMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
            sm.setChangeListener(hub);
            if (watch.equals("watcher")) {
                WatchSink sink = new WatchSink() {
                    @Override
                    public void send(io.raftkv.api.v1.WatchResponse response) {}

                    @Override
                    public long pendingBytes() {
                        return 0;
                    }
                };
                hub.create(sink, io.raftkv.api.v1.WatchCreateRequest.getDefaultInstance(), new byte[] {'~'}, null);
            }
        }
        Random random = new Random(8);
        byte[] value = new byte[256];
        long[] sequence = new long[16];
        long index = sm.appliedIndex();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = 0, apply0 = 0, wall0 = 0, gc0 = 0;
        for (int done = 0; done < warm + measured; done += batchSize) {
            if (done == warm) {
                cpu0 = os.getProcessCpuTime();
                apply0 = applyThreadCpu(threads);
                wall0 = System.nanoTime();
                gc0 = gcMillis();
            }
            List<Entry> entries = new ArrayList<>(batchSize);
            for (int i = 0; i < batchSize; i++) {
                byte[] key = String.format("k%07d", random.nextInt(10_000)).getBytes();
                random.nextBytes(value);
                int client = random.nextInt(sequence.length);
                Command c = Command.inSession(client + 1, ++sequence[client], new Command.Put(key, value.clone(), 0));
                entries.add(Entry.normal(1, ++index, CommandCodec.encode(c)));
            }
            sm.apply(entries, Map.of()).get();
        }
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e3 / measured;
        double apply = (applyThreadCpu(threads) - apply0) / 1e3 / measured;
        double wall = (System.nanoTime() - wall0) / 1e3 / measured;
        double gc = (gcMillis() - gc0) * 1e3 / measured;
        System.out.printf(
                "%d puts (watch: %s, batch %d): apply thread %.1f us CPU/put, process %.1f us CPU/put, wall %.1f us/put, GC pauses %.2f us/put%n",
                measured, watch, batchSize, apply, cpu, wall, gc);
        if (hub != null) {
            hub.close();
        }
        storage.close();
    }

    private static long gcMillis() {
        long sum = 0;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, gc.getCollectionTime());
        }
        return sum;
    }

    private static long applyThreadCpu(ThreadMXBean threads) {
        long sum = 0;
        for (ThreadInfo t : threads.dumpAllThreads(false, false)) {
            if (t.getThreadName().contains("apply")) {
                sum += threads.getThreadCpuTime(t.getThreadId());
            }
        }
        return sum;
    }
}
