package io.raftkv.node.server;

import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.driver.ReadConsistency;
import io.raftkv.node.driver.SnapshotDownload;
import io.raftkv.node.driver.UnavailableException;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.storage.KvStateMachine;
import io.raftkv.raft.StateType;
import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * An in-memory {@link RaftNodeApi} whose every answer a test scripts. By default it is the ready
 * leader (id 1) of a three-voter cluster and applies every proposal at the next index.
 */
final class FakeRaftNode implements RaftNodeApi {
    static final String LEADER_ADDRESS = "10.0.0.1:9090";

    volatile NodeStatus status = leader(1, 5);
    volatile boolean healthy = true;
    final ConcurrentLinkedQueue<Command> proposed = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<ReadConsistency> barriers = new ConcurrentLinkedQueue<>();
    final AtomicLong nextIndex = new AtomicLong(100);
    volatile Function<Command, Future<ApplyResult>> onPropose =
            c -> Future.succeededFuture(applied(nextIndex.getAndIncrement(), null, defaultTxnResults(c)));
    volatile Function<ReadConsistency, Future<Void>> onReadBarrier = c -> Future.succeededFuture();
    volatile BiFunction<String, Long, Future<Void>> onMembership = (op, id) -> Future.succeededFuture();
    volatile Future<Long> onAddLearner = Future.succeededFuture(4L);
    volatile Future<SnapshotDownload> onSnapshot = Future.failedFuture(new UnavailableException("no snapshot"));

    /** An APPLIED result at {@code index} reporting {@code kv}, with {@code txnResults} for a Txn. */
    static ApplyResult applied(long index, KeyValue kv, List<ApplyResult.TxnOpResult> txnResults) {
        return new ApplyResult(index, index, ApplyResult.Status.APPLIED, false, kv, null, txnResults, null);
    }

    /** A result with only a status, a key-value and a reason. */
    static ApplyResult result(long index, ApplyResult.Status status, KeyValue kv, String reason) {
        return new ApplyResult(index, index, status, false, kv, null, List.of(), reason);
    }

    /** What the success branch of a Txn reports against an empty store: nothing deleted, nothing found. */
    private static List<ApplyResult.TxnOpResult> defaultTxnResults(Command c) {
        if (!(c.operation() instanceof Command.Txn t)) {
            return List.of();
        }
        return t.onSuccess().stream()
                .map(op -> op instanceof Command.Put
                        ? new ApplyResult.PutOutcome()
                        : op instanceof Command.Delete
                                ? new ApplyResult.DeleteOutcome(false)
                                : (ApplyResult.TxnOpResult) new ApplyResult.GetOutcome(null))
                .toList();
    }

    static List<NodeStatus.Member> threeVoters() {
        return List.of(
                new NodeStatus.Member(1, false, "10.0.0.1:9091", LEADER_ADDRESS),
                new NodeStatus.Member(2, false, "10.0.0.2:9091", "10.0.0.2:9090"),
                new NodeStatus.Member(3, false, "10.0.0.3:9091", "10.0.0.3:9090"));
    }

    /** Node {@code id} leading in {@code term}, ready. */
    static NodeStatus leader(long id, long term) {
        return new NodeStatus(
                id,
                StateType.LEADER,
                false,
                term,
                id,
                LEADER_ADDRESS,
                120,
                118,
                1,
                121,
                50,
                threeVoters(),
                List.of(),
                true,
                true);
    }

    /** Node 2 following leader {@code leaderId} (0: none known) in {@code term}. */
    static NodeStatus follower(long leaderId, long term) {
        return follower(leaderId, term, LEADER_ADDRESS);
    }

    /** As above, the leader's client port at {@code leaderClientAddress}. */
    static NodeStatus follower(long leaderId, long term, String leaderClientAddress) {
        return new NodeStatus(
                2,
                StateType.FOLLOWER,
                false,
                term,
                leaderId,
                leaderId == 0 ? "" : leaderClientAddress,
                120,
                118,
                1,
                121,
                50,
                threeVoters(),
                List.of(),
                true,
                leaderId != 0);
    }

    @Override
    public Future<ApplyResult> propose(byte[] command) {
        Command c = CommandCodec.decode(command);
        proposed.add(c);
        return onPropose.apply(c);
    }

    @Override
    public Future<Void> readBarrier(ReadConsistency consistency) {
        barriers.add(consistency);
        return onReadBarrier.apply(consistency);
    }

    @Override
    public NodeStatus status() {
        return status;
    }

    @Override
    public boolean healthy() {
        return healthy;
    }

    @Override
    public Future<Long> addLearner(long idOrZero, String peerAddress, String clientAddress) {
        return onAddLearner;
    }

    @Override
    public Future<Void> promote(long id) {
        return onMembership.apply("promote", id);
    }

    @Override
    public Future<Void> remove(long id) {
        return onMembership.apply("remove", id);
    }

    @Override
    public Future<Void> transferLeadership(long idOrZero) {
        return onMembership.apply("transfer", idOrZero);
    }

    @Override
    public KvStateMachine stateMachine() {
        return stateMachine; // null unless a test sets one: tests read through an in-memory KvReader
    }

    /** The state machine {@link #stateMachine()} returns (watch tests); null by default. */
    volatile KvStateMachine stateMachine;

    @Override
    public Future<SnapshotDownload> openSnapshotDownload() {
        return onSnapshot;
    }
}
