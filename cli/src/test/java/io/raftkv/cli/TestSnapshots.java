package io.raftkv.cli;

import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.SnapshotReader;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/** Real snapshot files, written by the node's storage as a node serves them to `snapshot save`. */
final class TestSnapshots {
    private TestSnapshots() {}

    /**
     * A snapshot of a three-member cluster (1, 2, 3) holding keys k2..k{keys+1} with the given
     * values, written to {@code file}; its storage lives in {@code storageDir}.
     */
    static SnapshotMetadata write(Path storageDir, Path file, int keys, IntFunction<byte[]> value) throws Exception {
        try (NodeStorage s = NodeStorage.open(storageDir, StorageOptions.defaults())) {
            List<Entry> es = new ArrayList<>();
            es.add(new Entry(2, 1, EntryType.CONF_CHANGE, new byte[0]));
            for (int i = 2; i <= keys + 1; i++) {
                es.add(new Entry(
                        2,
                        i,
                        EntryType.NORMAL,
                        CommandCodec.encode(Command.of(
                                new Command.Put(("k" + i).getBytes(StandardCharsets.UTF_8), value.apply(i))))));
            }
            s.raftLog().persist(new HardState(2, 1, keys + 1), es, null).join();
            s.stateMachine()
                    .apply(es, Map.of(1L, new ConfState(Set.of(1L, 2L, 3L), Set.of())))
                    .join();
            SnapshotMetadata meta = s.snapshots().create().join();
            try (SnapshotReader r = s.snapshots().openReader(meta);
                    OutputStream out = Files.newOutputStream(file)) {
                while (r.hasNext()) {
                    out.write(r.next().bytes());
                }
            }
            return meta;
        }
    }
}
