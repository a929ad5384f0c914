import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.SnapshotReader;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Size of a snapshot (the stream a backup uploads and a follower receives) against the live values
 * it holds, in one process with whatever node jar is on the class path: a node's storage in a fresh
 * directory, MIB MiB of random values of VALUE_KIB KiB each (one put per key, then OVERWRITES more
 * rounds over the same keys, with a compaction at the current revision after the last), then a
 * snapshot. Prints the values' bytes, the stream's bytes and the ratio, and the quota's measure of
 * the data (dataBytes after compactData, once the history compactor has finished: two equal
 * readings 1 s apart).
 *
 * <pre>java -Xmx512m -cp node/target/raftkv-node.jar scripts/bench/SnapshotSize.java DIR [MIB] [VALUE_KIB] [OVERWRITES]</pre>
 */
public class SnapshotSize {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(args[0]), "snapshot-size");
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int valueKib = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int overwrites = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        int keys = mib * 1024 / valueKib;
        Random random = new Random(22);
        long index = 0;
        long start = System.nanoTime();
        try (NodeStorage storage = NodeStorage.open(dir, StorageOptions.defaults())) {
            for (int round = 0; round <= overwrites; round++) {
                for (int k = 0; k < keys; k += 16) {
                    List<Entry> es = new ArrayList<>();
                    for (int j = k; j < Math.min(keys, k + 16); j++) {
                        byte[] v = new byte[valueKib * 1024];
                        random.nextBytes(v);
                        byte[] key = ("key-" + j).getBytes(StandardCharsets.UTF_8);
                        es.add(Entry.normal(1, ++index, CommandCodec.encode(Command.of(new Command.Put(key, v)))));
                    }
                    storage.raftLog().persist(new HardState(1, 1, index), es, null).join();
                    storage.stateMachine().apply(es, Map.of()).join();
                }
            }
            if (overwrites > 0) {
                long rev = storage.stateMachine().revisions().current();
                Entry c = Entry.normal(1, ++index, CommandCodec.encode(Command.of(new Command.Compact(rev))));
                storage.raftLog().persist(new HardState(1, 1, index), List.of(c), null).join();
                storage.stateMachine().apply(List.of(c), Map.of()).join();
            }
            // The history compactor deletes the overwritten versions in the background: measure once
            // the data stops shrinking (two equal readings 1 s apart, at most 120 s).
            long dataBytes = -1;
            for (int i = 0; i < 120; i++) {
                storage.stateMachine().compactData();
                long now = storage.stateMachine().dataBytes();
                if (now == dataBytes) {
                    break;
                }
                dataBytes = now;
                Thread.sleep(1000);
            }
            SnapshotMetadata m = storage.snapshots().create().join();
            long streamBytes = 0;
            try (SnapshotReader r = storage.snapshots().openReader(m)) {
                streamBytes = r.totalBytes();
            }
            long values = (long) keys * valueKib * 1024;
            System.out.printf(
                    "values %d B (%d keys x %d KiB, %d overwrite rounds); snapshot stream %d B = %.3fx; quota dataBytes %d B = %.3fx; %d ms%n",
                    values, keys, valueKib, overwrites, streamBytes, (double) streamBytes / values, dataBytes,
                    (double) dataBytes / values, (System.nanoTime() - start) / 1_000_000);
        }
    }
}
