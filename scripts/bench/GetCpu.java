import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.storage.KvStateMachine;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * CPU per read of the state machine, in one process, with whatever node jar is on the class path:
 * 10,000 keys of 8 B with 256 B values (each written twice), then GETS gets of random keys at the
 * current revision and RANGES ranges of 100 keys, on this thread; prints this thread's CPU per get
 * and per range. Storage format 3 reads a current value with two point lookups (kv_meta, then the
 * history row); format 2 with one.
 *
 * <pre>java -Xmx192m -cp node/target/raftkv-node.jar scripts/bench/GetCpu.java DIR [GETS] [RANGES]</pre>
 */
public class GetCpu {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(args[0]), "get-cpu");
        int gets = args.length > 1 ? Integer.parseInt(args[1]) : 300_000;
        int ranges = args.length > 2 ? Integer.parseInt(args[2]) : 5_000;
        int keys = 10_000;
        Random random = new Random(24);
        try (NodeStorage storage = NodeStorage.open(dir, StorageOptions.defaults())) {
            KvStateMachine sm = storage.stateMachine();
            long index = 0;
            for (int round = 0; round < 2; round++) {
                for (int k = 0; k < keys; k += 100) {
                    List<Entry> es = new ArrayList<>();
                    for (int j = k; j < k + 100; j++) {
                        byte[] v = new byte[256];
                        random.nextBytes(v);
                        es.add(Entry.normal(1, ++index, CommandCodec.encode(Command.of(new Command.Put(key(j), v)))));
                    }
                    storage.raftLog().persist(new HardState(1, 1, index), es, null).join();
                    sm.apply(es, Map.of()).join();
                }
            }
            var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            for (int pass = 0; pass < 2; pass++) { // the first pass warms the JIT and the block cache
                long t0 = bean.getCurrentThreadCpuTime();
                long found = 0;
                for (int i = 0; i < gets; i++) {
                    found += sm.get(key(random.nextInt(keys))).isPresent() ? 1 : 0;
                }
                long t1 = bean.getCurrentThreadCpuTime();
                long listed = 0;
                for (int i = 0; i < ranges; i++) {
                    int from = random.nextInt(keys - 100);
                    listed += sm.range(key(from), key(from + 100), 100, 1 << 20, false)
                            .keyValues()
                            .size();
                }
                long t2 = bean.getCurrentThreadCpuTime();
                System.out.printf(
                        "pass %d: get %.2f us CPU (%d found of %d), range of 100 %.1f us CPU (%d keys)%n",
                        pass, (t1 - t0) / 1e3 / gets, found, gets, (t2 - t1) / 1e3 / ranges, listed);
            }
        }
    }

    static byte[] key(int j) {
        return String.format("k%07d", j).getBytes(StandardCharsets.UTF_8);
    }
}
