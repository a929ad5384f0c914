package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.ApplyResult.Status;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.Absent;
import io.raftkv.node.kv.Command.Compare;
import io.raftkv.node.kv.Command.Delete;
import io.raftkv.node.kv.Command.Get;
import io.raftkv.node.kv.Command.LeaseGrant;
import io.raftkv.node.kv.Command.LeaseRevoke;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.Command.Txn;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KvEvent;
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
 * Leases in the replicated state: grants, attachments by Put and Txn, detachment by a put without
 * the lease or a delete, revocation deleting every attached key in one entry, refusal of unknown
 * leases, and that all of it survives a restart and counts in the state hash.
 */
class LeaseStateTest {
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
        Entry e = new Entry(1, nextIndex++, EntryType.NORMAL, CommandCodec.encode(c));
        storage.raftLog()
                .persist(new HardState(1, 1, e.index()), List.of(e), null)
                .join();
        return storage.stateMachine().apply(List.of(e), Map.of()).join().get(0);
    }

    private List<String> keysOf(long lease) {
        List<String> out = new ArrayList<>();
        storage.stateMachine()
                .leaseKeys(lease, 100)
                .keyValues()
                .forEach(k -> out.add(new String(k.key(), StandardCharsets.UTF_8)));
        return out;
    }

    private boolean exists(String key) {
        return storage.stateMachine().get(b(key)).isPresent();
    }

    @Test
    void aRevocationDeletesExactlyTheAttachedKeysInOneEntry() {
        assertThat(one(Command.of(new LeaseGrant(7, 10))).status()).isEqualTo(Status.APPLIED);
        assertThat(storage.stateMachine().leases()).containsExactly(Map.entry(7L, 10L));
        one(Command.of(new Put(b("a"), b("1"), 7)));
        one(Command.of(new Put(b("b"), b("1"), 7)));
        one(Command.of(new Put(b("c"), b("1"), 7)));
        one(Command.of(new Put(b("plain"), b("1"))));
        one(Command.of(new Put(b("c"), b("2")))); // detaches c
        one(Command.of(new Delete(b("b")))); // detaches b
        assertThat(keysOf(7)).containsExactly("a");

        ApplyResult revoked = one(Command.of(new LeaseRevoke(7, false)));
        assertThat(revoked.status()).isEqualTo(Status.APPLIED);
        assertThat(revoked.txnResults()).hasSize(1);
        assertThat(exists("a")).isFalse();
        assertThat(exists("c")).isTrue();
        assertThat(exists("plain")).isTrue();
        assertThat(storage.stateMachine().leases()).isEmpty();
        assertThat(keysOf(7)).isEmpty();
    }

    /**
     * {@code KeyValue.lease} on reads and in the history a watch replays: set while attached,
     * cleared by an overwrite without the lease (the put fast path that skips reading the old
     * key included), moved by an overwrite with another lease, and the revocation's delete is an
     * event; prev_kv (the version before a change) carries the lease it had.
     */
    @Test
    void theLeaseIsOnReadsAndEventsAndFollowsOverwrites() {
        one(Command.of(new LeaseGrant(3, 10)));
        one(Command.of(new LeaseGrant(4, 10)));
        long first = one(Command.of(new Put(b("k"), b("1"), 3))).revision();
        assertThat(storage.stateMachine().get(b("k")).orElseThrow().lease()).isEqualTo(3);
        assertThat(storage.stateMachine().prefix(b("k"), 10, 1 << 20).keyValues())
                .singleElement()
                .satisfies(kv -> assertThat(kv.lease()).isEqualTo(3));

        long detached = one(Command.of(new Put(b("k"), b("2")))).revision();
        assertThat(storage.stateMachine().get(b("k")).orElseThrow().lease()).isZero();
        assertThat(keysOf(3)).isEmpty();

        one(Command.of(new Txn(List.of(), List.of(new Put(b("k"), b("3"), 3)), List.of())));
        assertThat(storage.stateMachine().get(b("k")).orElseThrow().lease()).isEqualTo(3);
        assertThat(keysOf(3)).containsExactly("k");

        one(Command.of(new Put(b("k"), b("4"), 4))); // moves k from lease 3 to lease 4
        assertThat(keysOf(3)).isEmpty();
        assertThat(keysOf(4)).containsExactly("k");
        one(Command.of(new LeaseRevoke(3, false)));
        assertThat(exists("k")).isTrue();
        long revoked = one(Command.of(new LeaseRevoke(4, true))).revision();
        assertThat(exists("k")).isFalse();

        List<KvEvent> events =
                storage.stateMachine().changes(first, 100, 1 << 20).events();
        assertThat(events)
                .extracting(KvEvent::type, e -> e.kv().lease(), KvEvent::revision)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(KvEvent.Type.PUT, 3L, first),
                        org.assertj.core.groups.Tuple.tuple(KvEvent.Type.PUT, 0L, detached),
                        org.assertj.core.groups.Tuple.tuple(KvEvent.Type.PUT, 3L, detached + 1),
                        org.assertj.core.groups.Tuple.tuple(KvEvent.Type.PUT, 4L, detached + 2),
                        org.assertj.core.groups.Tuple.tuple(KvEvent.Type.DELETE, 0L, revoked));
        assertThat(storage.stateMachine()
                        .previous(b("k"), detached, 0)
                        .orElseThrow()
                        .lease())
                .as("prev_kv of the detaching put")
                .isEqualTo(3);
        assertThat(storage.stateMachine()
                        .previous(b("k"), revoked, 0)
                        .orElseThrow()
                        .lease())
                .as("prev_kv of the revocation's delete")
                .isEqualTo(4);
    }

    @Test
    void unknownLeasesAreRefusedAndChangeNothing() {
        ApplyResult put = one(Command.inSession(5, 1, new Put(b("k"), b("v"), 42)));
        assertThat(put.status()).isEqualTo(Status.LEASE_NOT_FOUND);
        assertThat(put.reason()).startsWith("requested lease not found");
        assertThat(exists("k")).isFalse();
        // The session was not advanced: sequence 1 is still usable.
        assertThat(one(Command.inSession(5, 1, new Put(b("k"), b("v")))).status())
                .isEqualTo(Status.APPLIED);

        one(Command.of(new LeaseGrant(1, 5)));
        ApplyResult txn = one(Command.of(new Txn(
                List.of(new Compare(b("x"), new Absent())),
                List.of(new Put(b("x"), b("1"), 1), new Put(b("y"), b("1"), 99)),
                List.of())));
        assertThat(txn.status()).isEqualTo(Status.LEASE_NOT_FOUND);
        assertThat(exists("x")).isFalse();
        assertThat(keysOf(1)).isEmpty();

        assertThat(one(Command.of(new LeaseRevoke(99, false))).status()).isEqualTo(Status.LEASE_NOT_FOUND);
        assertThat(one(Command.of(new LeaseRevoke(99, true))).status()).isEqualTo(Status.NO_OP);
        assertThat(one(Command.of(new LeaseGrant(1, 5))).status()).isEqualTo(Status.REJECTED);
    }

    @Test
    void aTxnRolledBackForItsReadBoundLeavesNoAttachment() {
        one(Command.of(new LeaseGrant(3, 5)));
        one(Command.of(new Put(b("big"), new byte[Command.MAX_VALUE_BYTES])));
        List<Command.TxnOp> ops = new ArrayList<>();
        ops.add(new Put(b("t"), b("1"), 3));
        for (int i = 0; i < 5; i++) {
            ops.add(new Get(b("big")));
        }
        ApplyResult r = one(Command.of(new Txn(List.of(), ops, List.of())));
        assertThat(r.status()).isEqualTo(Status.READ_LIMIT_EXCEEDED);
        assertThat(keysOf(3)).isEmpty();
        // The in-memory index agrees: revoking deletes nothing.
        assertThat(one(Command.of(new LeaseRevoke(3, false))).txnResults()).isEmpty();
        assertThat(exists("t")).isFalse();
    }

    @Test
    void leasesAndAttachmentsSurviveARestartAndCountInTheStateHash() {
        one(Command.of(new LeaseGrant(9, 30)));
        long before = storage.stateMachine().stateHash().hash();
        one(Command.of(new Put(b("k"), b("v"), 9)));
        one(Command.of(new Put(b("k"), b("v"))));
        one(Command.of(new Put(b("k"), b("v"), 9)));
        assertThat(storage.stateMachine().stateHash().hash()).isNotEqualTo(before);
        storage.close();
        storage = NodeStorage.open(dir, StorageOptions.defaults());
        assertThat(storage.stateMachine().leases()).containsExactly(Map.entry(9L, 30L));
        assertThat(keysOf(9)).containsExactly("k");
        one(Command.of(new LeaseRevoke(9, true)));
        assertThat(exists("k")).isFalse();
    }

    @Test
    void leaseCommandsRoundTripThroughTheCodec() {
        for (Command c : List.of(
                Command.of(new LeaseGrant(Long.MAX_VALUE, Command.MAX_LEASE_TTL_SECONDS)),
                Command.of(new LeaseRevoke(1, true)),
                Command.of(new LeaseRevoke(2, false)),
                Command.inSession(3, 4, new Put(b("k"), b("v"), 5)),
                Command.of(
                        new Txn(List.of(), List.of(new Put(b("a"), b(""), 6), new Put(b("b"), b(""))), List.of())))) {
            assertThat(CommandCodec.decode(CommandCodec.encode(c))).isEqualTo(c);
        }
        // A put without a lease encodes exactly as before leases existed.
        assertThat(CommandCodec.encode(Command.of(new Put(b("k"), b("v"))))[2]).isEqualTo((byte) 1);
        byte[] leased = CommandCodec.encode(Command.of(new Put(b("k"), b("v"), 1)));
        leased[leased.length - 1] = 0; // lease id 0 under the leased-put tag: not canonical
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CommandCodec.decode(leased))
                .isInstanceOf(MalformedCommandException.class)
                .hasMessageContaining("lease id 0");
    }

    @Test
    void aDataDirectoryWithoutTheLeaseFamiliesOpensAndGainsThem() throws Exception {
        one(Command.of(new Put(b("k"), b("v"))));
        storage.close();
        // As written by a version before leases: drop the two families.
        Path sm = new StorageLayout(dir).smDir;
        try (RocksInstance db = RocksInstance.open(sm, KvStateMachine.FAMILIES, false, false)) {
            db.db.dropColumnFamily(db.cf(KvStateMachine.LEASES_CF));
            db.db.dropColumnFamily(db.cf(KvStateMachine.LEASE_KEYS_CF));
        }
        storage = NodeStorage.open(dir, StorageOptions.defaults());
        assertThat(exists("k")).isTrue();
        assertThat(storage.stateMachine().leases()).isEmpty();
        one(Command.of(new LeaseGrant(1, 5)));
        assertThat(storage.stateMachine().leases()).containsKey(1L);
    }
}
