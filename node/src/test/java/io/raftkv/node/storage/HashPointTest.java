package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.node.kv.AlarmType;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.ApplyResult.Status;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.AlarmAction;
import io.raftkv.node.kv.Command.Delete;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.StateHash;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hash points of the corruption check: every replica hashes exactly the state after the
 * {@link Command.HashCheck} entry whatever its batches look like, the hash stays available after
 * the member moved on, an index that is no hash point fails, and the CORRUPT alarm refuses every
 * client write but not the alarm and hash check entries themselves nor lease expiry.
 */
class HashPointTest {
    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Entry> entries(Command... commands) {
        List<Entry> es = new ArrayList<>();
        for (Command c : commands) {
            es.add(new Entry(1, es.size() + 1, EntryType.NORMAL, CommandCodec.encode(c)));
        }
        return es;
    }

    private static NodeStorage persisted(Path dir, List<Entry> es) {
        NodeStorage s = NodeStorage.open(dir, StorageOptions.defaults());
        s.raftLog().persist(new HardState(1, 1, es.size()), es, null).join();
        return s;
    }

    @Test
    void everyBatchingHashesTheSameStateAtAHashPoint() throws Exception {
        List<Entry> es = entries(
                Command.of(new Put(b("a"), b("1"))),
                Command.of(new Put(b("b"), b("2"))),
                Command.of(new Command.HashCheck()),
                Command.of(new Put(b("c"), b("3"))),
                Command.of(new Delete(b("a"))),
                Command.of(new Command.HashCheck()),
                Command.of(new Put(b("d"), b("4"))));
        try (NodeStorage whole = persisted(dir.resolve("whole"), es);
                NodeStorage single = persisted(dir.resolve("single"), es);
                NodeStorage upTo3 = persisted(dir.resolve("upto3"), es)) {
            // One waits for the hash point before it applies it.
            var early = single.stateMachine().hashAt(3);
            assertThat(early).isNotDone();
            List<ApplyResult> results = whole.stateMachine().apply(es, Map.of()).join();
            assertThat(results)
                    .hasSize(7)
                    .allSatisfy(r -> assertThat(r.status()).isEqualTo(Status.APPLIED));
            for (Entry e : es) {
                single.stateMachine().apply(List.of(e), Map.of()).join();
            }
            upTo3.stateMachine().apply(es.subList(0, 3), Map.of()).join();

            StateHash at3 = whole.stateMachine().hashAt(3).get(10, TimeUnit.SECONDS);
            assertThat(at3.appliedIndex()).isEqualTo(3);
            assertThat(early.get(10, TimeUnit.SECONDS)).isEqualTo(at3);
            assertThat(upTo3.stateMachine().stateHash()).isEqualTo(at3);
            assertThat(single.stateMachine().hashAt(6).get(10, TimeUnit.SECONDS))
                    .isEqualTo(whole.stateMachine().hashAt(6).get(10, TimeUnit.SECONDS));
            assertThat(whole.stateMachine().hashAt(6).get().hash()).isNotEqualTo(at3.hash());

            assertThatThrownBy(() -> whole.stateMachine().hashAt(2).join())
                    .isInstanceOf(CompletionException.class)
                    .hasMessageContaining("no state hash at index 2");
            var never = whole.stateMachine().hashAt(9);
            List<Entry> more = new ArrayList<>(es);
            more.add(new Entry(1, 8, EntryType.NORMAL, CommandCodec.encode(Command.of(new Put(b("e"), b("5"))))));
            more.add(new Entry(1, 9, EntryType.NORMAL, CommandCodec.encode(Command.of(new Put(b("f"), b("6"))))));
            whole.raftLog()
                    .persist(new HardState(1, 1, 9), more.subList(7, 9), null)
                    .join();
            whole.stateMachine().apply(more.subList(7, 9), Map.of()).join();
            assertThatThrownBy(never::join).hasMessageContaining("no hash point");
        }
    }

    @Test
    void corruptRefusesEveryClientWriteButNotAlarmsHashChecksOrLeaseExpiry() {
        List<Entry> es = entries(
                Command.of(new Command.LeaseGrant(7, 60)),
                Command.of(new Command.Alarm(AlarmAction.ACTIVATE, AlarmType.CORRUPT, 2)),
                Command.of(new Put(b("a"), b("1"))),
                Command.of(new Delete(b("a"))),
                Command.of(new Command.LeaseRevoke(7, false)),
                Command.of(new Command.Compact(1)),
                Command.of(new Command.HashCheck()),
                Command.of(new Command.LeaseRevoke(7, true)),
                Command.of(new Command.Alarm(AlarmAction.DEACTIVATE, AlarmType.CORRUPT, 2)),
                Command.of(new Put(b("a"), b("1"))));
        try (NodeStorage s = persisted(dir, es)) {
            List<ApplyResult> r = s.stateMachine().apply(es, Map.of()).join();
            assertThat(r.subList(2, 6))
                    .allSatisfy(x -> assertThat(x.refusingAlarm()).isEqualTo(AlarmType.CORRUPT));
            assertThat(r.get(6).status()).isEqualTo(Status.APPLIED);
            assertThat(r.get(7).status()).isEqualTo(Status.APPLIED);
            assertThat(s.stateMachine().leases()).doesNotContainKey(7L);
            assertThat(r.get(8).status()).isEqualTo(Status.APPLIED);
            assertThat(r.get(9).status()).isEqualTo(Status.APPLIED);
        }
    }

    @Test
    void theCodecRoundTripsAHashCheckAndRecognisesItWithoutDecoding() {
        byte[] data = CommandCodec.encode(Command.of(new Command.HashCheck()));
        assertThat(data).containsExactly(1, 0, 40);
        assertThat(CommandCodec.isHashCheck(data)).isTrue();
        assertThat(CommandCodec.decode(data).operation()).isInstanceOf(Command.HashCheck.class);
        assertThat(CommandCodec.isHashCheck(CommandCodec.encode(Command.of(new Delete(b("x"))))))
                .isFalse();
        assertThat(AlarmType.ofCode(2)).isEqualTo(AlarmType.CORRUPT);
    }
}
