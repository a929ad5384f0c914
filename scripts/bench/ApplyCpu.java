import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.storage.KvStateMachine;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageOptions;
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
 * <pre>java -cp node/target/raftkv-node.jar scripts/bench/ApplyCpu.java DIR [WARM-UP PUTS] [MEASURED PUTS]</pre>
 */
public class ApplyCpu {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(args[0]), "apply-cpu");
        int warm = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int measured = args.length > 2 ? Integer.parseInt(args[2]) : 150_000;
        int batchSize = 100;
        NodeStorage storage = NodeStorage.open(dir, StorageOptions.defaults());
        KvStateMachine sm = storage.stateMachine();
        Random random = new Random(8);
        byte[] value = new byte[256];
        long[] sequence = new long[16];
        long index = sm.appliedIndex();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = 0, apply0 = 0, wall0 = 0;
        for (int done = 0; done < warm + measured; done += batchSize) {
            if (done == warm) {
                cpu0 = os.getProcessCpuTime();
                apply0 = applyThreadCpu(threads);
                wall0 = System.nanoTime();
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
        System.out.printf(
                "%d puts: apply thread %.1f us CPU/put, process %.1f us CPU/put, wall %.1f us/put%n",
                measured, apply, cpu, wall);
        storage.close();
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
