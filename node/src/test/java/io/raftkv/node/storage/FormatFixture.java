package io.raftkv.node.storage;

import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.kv.StateHash;
import io.raftkv.raft.Entry;
import io.raftkv.raft.SnapshotMetadata;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A deterministic set of commands covering what the storage format stores (puts and overwrites,
 * a key with a 0x00 byte, an empty value, a transaction writing one key twice in one revision,
 * deletes, a delete range, a lease with keys, sessions, a compaction), and a program that applies
 * them with whatever build is on its class path and records the state hash, the history digest and
 * a snapshot stream (a backup). Only public API, so the same source runs against an older build:
 *
 * <pre>java -cp OLD/raftkv-node.jar node/src/test/java/io/raftkv/node/storage/FormatFixture.java OUT</pre>
 *
 * {@code StorageFormatUpgradeTest} opens what an older build wrote ({@code src/test/resources/format2/})
 * and checks that the new build hashes it identically.
 */
public final class FormatFixture {
    private FormatFixture() {}

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The fixture's commands, one entry each from index 1, term 1. */
    public static List<Entry> entries() {
        List<Command> c = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            c.add(Command.inSession(
                    7, i + 1, new Command.Put(b("key-" + (i % 13)), b("value-" + i + "-" + "x".repeat(i)))));
        }
        c.add(Command.of(new Command.Put(new byte[] {'z', 0, 'z'}, b("with a zero byte"))));
        c.add(Command.of(new Command.Put(b("empty"), new byte[0])));
        c.add(Command.of(new Command.Txn(
                List.of(),
                List.of(
                        new Command.Put(b("twice"), b("first")),
                        new Command.Put(b("twice"), b("second")),
                        new Command.Put(b("other"), b("in the txn"))),
                List.of())));
        c.add(Command.of(new Command.Delete(b("key-3"))));
        c.add(Command.of(new Command.LeaseGrant(42, 600)));
        c.add(Command.of(new Command.Put(b("leased-a"), b("a"), 42)));
        c.add(Command.of(new Command.Put(b("leased-b"), b("b"), 42)));
        c.add(Command.of(new Command.Compact(20)));
        c.add(Command.of(
                new Command.Txn(List.of(), List.of(new Command.DeleteRange(b("key-1"), b("key-2"), true)), List.of())));
        c.add(Command.inSession(9, 1, new Command.Put(b("key-5"), b("after the compaction"))));
        c.add(Command.of(new Command.Put(b("twice"), b("third"))));
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < c.size(); i++) {
            out.add(Entry.normal(1, i + 1, CommandCodec.encode(c.get(i))));
        }
        return out;
    }

    /** Applies {@link #entries()} to an empty storage; returns what to compare across builds. */
    public static String apply(NodeStorage storage) {
        List<Entry> es = entries();
        storage.raftLog()
                .persist(new io.raftkv.raft.HardState(1, 1, es.size()), es, null)
                .join();
        storage.stateMachine().apply(es, Map.of()).join();
        return describe(storage);
    }

    /** The state hash and the history digest, one per line. */
    public static String describe(NodeStorage storage) {
        StateHash h = storage.stateMachine().stateHash();
        KvReader.MvccHash m = storage.stateMachine().mvccHash(0);
        return "state " + h.appliedIndex() + " " + h.hash() + "\nmvcc " + m.revision() + " " + m.compacted() + " "
                + m.hash() + "\n";
    }

    /** Writes the stream of a snapshot of {@code storage} to {@code file}; returns its metadata. */
    public static SnapshotMetadata backup(NodeStorage storage, Path file) throws Exception {
        SnapshotMetadata m = storage.snapshots().create().join();
        try (SnapshotReader r = storage.snapshots().openReader(m);
                OutputStream out = Files.newOutputStream(file)) {
            while (r.hasNext()) {
                out.write(r.next().bytes());
            }
        }
        return m;
    }

    /** OUT/data (a data directory), OUT/backup.snap (a snapshot stream) and OUT/expected.txt. */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        String expected;
        try (NodeStorage storage = NodeStorage.open(out.resolve("data"), StorageOptions.defaults())) {
            expected = apply(storage);
            backup(storage, out.resolve("backup.snap"));
        }
        Files.writeString(out.resolve("expected.txt"), expected);
        System.out.print(expected);
    }
}
