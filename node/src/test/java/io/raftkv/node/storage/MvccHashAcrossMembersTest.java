package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KvReader.MvccHash;
import io.raftkv.node.kv.Revisions;
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
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * etcd's HashKV across members (issue 21): two members applied the same log, including a
 * compaction; member A's background compactor has deleted the history the compaction made
 * unreadable, member B's has not run yet (its history rows are all still there, its compact
 * revision already moved, as right after it applied the Compact command). Both must answer the
 * same HashKV at every revision after the compact revision, and the same compact revision.
 */
class MvccHashAcrossMembersTest {
    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    private final List<NodeStorage> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(NodeStorage::close);
    }

    private NodeStorage open(Path dir) {
        NodeStorage s = NodeStorage.open(dir, StorageOptions.defaults());
        opened.add(s);
        return s;
    }

    private static List<ApplyResult> run(NodeStorage storage, long firstIndex, List<Command> cs) {
        List<Entry> es = new ArrayList<>();
        long index = firstIndex;
        for (Command c : cs) {
            es.add(new Entry(1, index++, EntryType.NORMAL, CommandCodec.encode(c)));
        }
        storage.raftLog().persist(new HardState(1, 1, index - 1), es, null).join();
        return storage.stateMachine().apply(es, Map.of()).join();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long historyRows(KvStateMachine sm) throws RocksDBException {
        return sm.withHandle(db -> {
            long n = 0;
            try (RocksIterator it = db.db.newIterator(db.cf(KvStateMachine.HISTORY_CF))) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    n++;
                }
            }
            return n;
        });
    }

    /**
     * Member B's HashKV as it answers between applying {@code Compact(compact)} and its compactor's
     * first deletion: the history as it is, the revisions the Compact command stored.
     */
    private static MvccHash hashBeforeItsCompactorRan(KvStateMachine sm, long compact, long revision)
            throws RocksDBException {
        Revisions stored = sm.revisions();
        return sm.withHandle(db -> {
            try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true)) {
                HistoryReader.Source source = new HistoryReader.Source() {
                    @Override
                    public RocksIterator iterator(ColumnFamilyHandle cf, ReadOptions options) {
                        return db.db.newIterator(cf, options);
                    }

                    @Override
                    public byte[] get(ColumnFamilyHandle cf, ReadOptions options, byte[] key) throws RocksDBException {
                        return db.db.get(cf, options, key);
                    }
                };
                return new HistoryReader(
                                source,
                                db.cf(KvStateMachine.KV_META_CF),
                                db.cf(KvStateMachine.HISTORY_CF),
                                db.cf(KvStateMachine.KEY_INDEX_CF),
                                ro,
                                new Revisions(stored.current(), compact))
                        .mvccHash(revision);
            }
        });
    }

    @Test
    void membersAgreeWhetherOrNotTheirCompactorHasRun() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("MvccHashAcrossMembersTest seed " + seed);
        Random rnd = new Random(seed);
        List<Command> writes = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            String key = "k" + rnd.nextInt(40);
            writes.add(
                    rnd.nextInt(4) == 0
                            ? Command.of(new Command.Delete(b(key)))
                            : Command.of(new Command.Put(b(key), b("v" + i))));
        }
        NodeStorage a = open(dirA);
        NodeStorage b = open(dirB);
        run(a, 1, writes);
        run(b, 1, writes);
        KvStateMachine smA = a.stateMachine();
        KvStateMachine smB = b.stateMachine();
        long current = smA.revisions().current();
        assertThat(smB.revisions().current()).isEqualTo(current);
        long compact = current - 300;
        long rowsB = historyRows(smB);

        // A applies the compaction and its compactor deletes what the compaction made unreadable.
        assertThat(run(a, writes.size() + 1, List.of(Command.of(new Command.Compact(compact))))
                        .get(0)
                        .status())
                .isEqualTo(ApplyResult.Status.APPLIED);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> historyRows(smA) < rowsB / 3);
        assertThat(historyRows(smB)).as("B's history is whole").isEqualTo(rowsB);

        List<Long> revisions = new ArrayList<>(List.of(compact + 1, compact + 2, current - 1, current, 0L));
        for (int i = 0; i < 10; i++) {
            revisions.add(compact + 1 + rnd.nextInt((int) (current - compact)));
        }
        for (long r : revisions) {
            MvccHash onA = smA.mvccHash(r);
            MvccHash onB = hashBeforeItsCompactorRan(smB, compact, r);
            assertThat(onB).as("HashKV at %d (seed %d)", r, seed).isEqualTo(onA);
            assertThat(onA.compacted()).isEqualTo(compact);
        }
        // The agreement is not vacuous: B hashing every row it holds (as if nothing were compacted)
        // disagrees with A, and two revisions with a change between them hash differently.
        assertThat(hashBeforeItsCompactorRan(smB, 0, current).hash())
                .isNotEqualTo(smA.mvccHash(current).hash());
        assertThat(smA.mvccHash(current).hash())
                .isNotEqualTo(smA.mvccHash(compact + 1).hash());

        // B then applies the same compaction; its compactor runs; the answers do not move.
        run(b, writes.size() + 1, List.of(Command.of(new Command.Compact(compact))));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> historyRows(smB) == historyRows(smA));
        for (long r : revisions) {
            assertThat(smB.mvccHash(r))
                    .as("HashKV at %d after B's compactor ran", r)
                    .isEqualTo(smA.mvccHash(r));
        }
    }
}
