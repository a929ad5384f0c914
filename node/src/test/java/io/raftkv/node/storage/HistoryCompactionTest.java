package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KvEvent;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.node.kv.RevisionUnavailableException;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction: the compact revision moves with the replicated command, the background deletions
 * leave exactly each key's latest version before it (unless a deletion) plus everything after,
 * answers at or after the compact revision never change, and a restart resumes the deletions.
 */
class HistoryCompactionTest {
    @TempDir
    Path dir;

    private NodeStorage storage;
    private long nextIndex = 1;

    @BeforeEach
    void open() {
        storage = NodeStorage.open(dir, StorageOptions.defaults());
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private List<ApplyResult> run(List<Command> cs) {
        List<Entry> es = new ArrayList<>();
        for (Command c : cs) {
            es.add(new Entry(1, nextIndex++, EntryType.NORMAL, CommandCodec.encode(c)));
        }
        storage.raftLog().persist(new HardState(1, 1, nextIndex - 1), es, null).join();
        return storage.stateMachine().apply(es, Map.of()).join();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** History rows (history plus key index) in the state machine. */
    private long historyRows() throws Exception {
        KvStateMachine sm = storage.stateMachine();
        return sm.withHandle(db -> {
            long n = 0;
            for (String cf : List.of(KvStateMachine.HISTORY_CF, KvStateMachine.KEY_INDEX_CF)) {
                try (var it = db.db.newIterator(db.cf(cf))) {
                    for (it.seekToFirst(); it.isValid(); it.next()) {
                        n++;
                    }
                }
            }
            return n;
        });
    }

    @Test
    void compactionKeepsWhatReadsAtOrAfterItNeedAndDeletesTheRestInTheBackground() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("HistoryCompactionTest seed " + seed);
        Random rnd = new Random(seed);
        List<Command> writes = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String key = "k" + rnd.nextInt(50);
            writes.add(
                    rnd.nextInt(5) == 0
                            ? Command.of(new Command.Delete(b(key)))
                            : Command.of(new Command.Put(b(key), b("v" + i))));
        }
        run(writes);
        KvStateMachine sm = storage.stateMachine();
        long current = sm.revisions().current();
        long compact = current - 200;
        RangeResult before = sm.range(b("k"), b("l"), compact, 1000, 1 << 30, false, false);
        List<KvEvent> changesBefore = sm.changes(compact, 100_000, 1 << 30).events();
        long rowsBefore = historyRows();

        assertThat(run(List.of(Command.of(new Command.Compact(compact)))).get(0).status())
                .isEqualTo(ApplyResult.Status.APPLIED);
        assertThat(sm.revisions()).isEqualTo(new Revisions(current, compact));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> historyRows() < rowsBefore / 5);

        assertThat(sm.range(b("k"), b("l"), compact, 1000, 1 << 30, false, false))
                .isEqualTo(before);
        assertThat(sm.changes(compact, 100_000, 1 << 30).events()).isEqualTo(changesBefore);
        assertThatThrownBy(() -> sm.get(b("k1"), compact - 1))
                .isInstanceOf(RevisionUnavailableException.class)
                .hasMessageContaining("the compact revision is " + compact);
        assertThatThrownBy(() -> sm.changes(compact - 1, 10, 1 << 20)).isInstanceOf(RevisionUnavailableException.class);
        // Every key keeps at most one version before the compact revision, and no deletion.
        long keptBefore = sm.withHandle(db -> {
            long n = 0;
            try (var it = db.db.newIterator(db.cf(KvStateMachine.HISTORY_CF))) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    KvEvent e = MvccRecords.decodeEvent(it.key(), it.value());
                    if (e.revision() < compact) {
                        assertThat(e.type()).isEqualTo(KvEvent.Type.PUT);
                        n++;
                    }
                }
            }
            return n;
        });
        assertThat(keptBefore).isLessThanOrEqualTo(50);
        // The prev_kv of the first change at the compact revision is still there.
        KvEvent first = changesBefore.get(0);
        if (first.type() == KvEvent.Type.PUT && first.kv().version() > 1) {
            assertThat(sm.previous(first.kv().key(), first.revision(), first.subRevision()))
                    .isPresent();
        }

        // A second compaction resumes after a restart.
        long second = current - 10;
        RangeResult atSecond = sm.range(b("k"), b("l"), second, 1000, 1 << 30, false, false);
        run(List.of(Command.of(new Command.Compact(second))));
        storage.close();
        storage = NodeStorage.open(dir, StorageOptions.defaults());
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> storage.stateMachine()
                        .withHandle(db -> MvccRecords.decodeLong(
                                        MvccRecords.COMPACT_PROGRESS_KEY,
                                        db.db.get(db.cf(KvStateMachine.META_CF), MvccRecords.COMPACT_PROGRESS_KEY))
                                >= second));
        assertThat(storage.stateMachine().range(b("k"), b("l"), second, 1000, 1 << 30, false, false))
                .isEqualTo(atSecond);
    }
}
