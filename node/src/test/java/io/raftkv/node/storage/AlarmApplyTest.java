package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.node.kv.ActiveAlarms;
import io.raftkv.node.kv.AlarmType;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.ApplyResult.Status;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.AlarmAction;
import io.raftkv.node.kv.Command.CompareAndSet;
import io.raftkv.node.kv.Command.Delete;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.Command.Txn;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.MalformedCommandException;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicated alarm: an Alarm entry raises or clears it in the same batch as the applied index,
 * NOSPACE refuses what adds data and nothing else, a refused session write can be retried after the
 * disarm, the set survives a restart, and it is part of the state hash only once one was raised.
 */
class AlarmApplyTest {
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

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private ApplyResult one(Command c) {
        List<Entry> es = new ArrayList<>();
        es.add(new Entry(1, nextIndex++, EntryType.NORMAL, CommandCodec.encode(c)));
        storage.raftLog()
                .persist(new HardState(1, 1, es.get(0).index()), es, null)
                .join();
        return storage.stateMachine().apply(es, Map.of()).join().get(0);
    }

    private static Command alarm(AlarmAction action, long member) {
        return Command.of(new Command.Alarm(action, AlarmType.NOSPACE, member));
    }

    @Test
    void noSpaceRefusesWhatAddsDataAndLetsReadsAndDeletesThrough() {
        assertThat(one(Command.of(new Put(b("a"), b("1")))).status()).isEqualTo(Status.APPLIED);
        long hashBefore = storage.stateMachine().stateHash().hash();
        assertThat(one(alarm(AlarmAction.ACTIVATE, 2)).status()).isEqualTo(Status.APPLIED);
        assertThat(storage.stateMachine().alarms().active(AlarmType.NOSPACE, 2)).isTrue();

        ApplyResult put = one(Command.of(new Put(b("b"), b("2"))));
        assertThat(put.status()).isEqualTo(Status.ALARM);
        assertThat(put.refusingAlarm()).isEqualTo(AlarmType.NOSPACE);
        assertThat(put.reason()).startsWith("NOSPACE:");
        assertThat(one(Command.of(new CompareAndSet(b("a"), new Command.Absent(), b("x"))))
                        .status())
                .isEqualTo(Status.ALARM);
        assertThat(one(Command.of(new Txn(List.of(), List.of(new Delete(b("z"))), List.of(new Put(b("c"), b("3"))))))
                        .status())
                .isEqualTo(Status.ALARM);
        // What frees space still works.
        assertThat(one(Command.of(new CompareAndSet(b("a"), new Command.ValueEquals(b("1")), null)))
                        .status())
                .isEqualTo(Status.APPLIED);
        assertThat(one(Command.of(new Delete(b("a")))).status()).isEqualTo(Status.APPLIED);
        assertThat(storage.stateMachine().get(b("b"))).isEmpty();
        assertThat(storage.stateMachine().stateHash().hash()).isNotEqualTo(hashBefore);

        assertThat(one(alarm(AlarmAction.DEACTIVATE, 0)).status()).isEqualTo(Status.APPLIED);
        assertThat(storage.stateMachine().alarms().isEmpty()).isTrue();
        assertThat(one(Command.of(new Put(b("b"), b("2")))).status()).isEqualTo(Status.APPLIED);
    }

    @Test
    void aRefusedSessionWriteIsNotRecordedSoItsRetryAppliesAfterTheDisarm() {
        one(alarm(AlarmAction.ACTIVATE, 1));
        assertThat(one(Command.inSession(9, 1, new Put(b("k"), b("v")))).status())
                .isEqualTo(Status.ALARM);
        one(alarm(AlarmAction.DEACTIVATE, 1));
        ApplyResult retry = one(Command.inSession(9, 1, new Put(b("k"), b("v"))));
        assertThat(retry.status()).isEqualTo(Status.APPLIED);
        assertThat(retry.duplicate()).isFalse();
    }

    @Test
    void alarmsArePerMemberAndSurviveARestart() {
        one(alarm(AlarmAction.ACTIVATE, 1));
        one(alarm(AlarmAction.ACTIVATE, 3));
        one(alarm(AlarmAction.ACTIVATE, 3));
        one(alarm(AlarmAction.DEACTIVATE, 1));
        storage.close();
        storage = NodeStorage.open(dir, StorageOptions.defaults());
        assertThat(storage.stateMachine().alarms().alarms())
                .containsExactly(new ActiveAlarms.Alarm(AlarmType.NOSPACE, 3));
        assertThat(one(Command.of(new Put(b("k"), b("v")))).status()).isEqualTo(Status.ALARM);
    }

    @Test
    void theCodecRoundTripsAlarmsAndRefusesUnknownTypes() {
        Command c = alarm(AlarmAction.DEACTIVATE, 0);
        assertThat(CommandCodec.decode(CommandCodec.encode(c))).isEqualTo(c);
        byte[] bad = CommandCodec.encode(alarm(AlarmAction.ACTIVATE, 5));
        bad[4] = 99; // version, flags, tag, action, type
        assertThatThrownBy(() -> CommandCodec.decode(bad))
                .isInstanceOf(MalformedCommandException.class)
                .hasMessageContaining("unknown alarm type 99");
        assertThatThrownBy(() -> new Command.Alarm(AlarmAction.ACTIVATE, AlarmType.NOSPACE, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
