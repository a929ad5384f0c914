package io.raftkv.node.driver;

import io.raftkv.node.alarm.Alarms;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.StateMachineView;
import io.vertx.core.Future;

/**
 * What the client-facing servers (KV, Cluster, health) need from the Raft node. Every method is
 * non-blocking and safe to call from any thread; returned futures complete on the driver's
 * context, so callers must not block in their handlers either. Failures are always a
 * {@link RaftNodeException} whose {@link RaftNodeException#code() code} names the gRPC status.
 *
 * <p>Invariants the servers may rely on:
 * <ul>
 *   <li>A {@link #propose} future succeeds only after the command committed <em>and</em> was applied
 *       locally, so a following local read observes it.</li>
 *   <li>After a {@link #readBarrier} future succeeds, reads of {@link #stateMachine()} reflect every
 *       write acknowledged (by any node) before the barrier was requested — for LINEARIZABLE and
 *       LEASE; SERIALIZABLE gives no such promise.</li>
 *   <li>Every pending future completes: with a result, or with a failure on shutdown, storage
 *       failure, loss of leadership, or the driver's own timeout. None is left hanging forever.</li>
 * </ul>
 */
public interface RaftNodeApi {

    /**
     * Replicates one encoded command ({@code io.raftkv.node.kv.CommandCodec}) and applies it.
     *
     * @return the state machine's result for this entry. Fails with {@link NotLeaderException} on a
     *         non-leader, {@link BackpressureException} beyond the in-flight limit,
     *         {@link RaftNodeException.Code#ABORTED} if another leader's entry took the slot (not
     *         applied), {@link UnavailableException} if leadership or storage was lost with the
     *         outcome unknown.
     */
    Future<ApplyResult> propose(byte[] command);

    /**
     * Waits until a read of {@link #stateMachine()} may be served at {@code consistency}:
     * LINEARIZABLE runs ReadIndex (on any voter or learner: a follower asks the leader) and then
     * waits until the local applied index reaches the read index; LEASE takes the read index from
     * the leader's lease without the quorum round trip when this node leads and holds one (the core
     * decides, {@code RawNode.leaseRead}; otherwise it is exactly LINEARIZABLE); SERIALIZABLE
     * completes at once.
     *
     * <p>Fails with {@link RaftNodeException.Code#CORRUPT_MEMBER} once the barrier is passed when the
     * replicated CORRUPT alarm names this member (an alarm committed before the read started is
     * applied by then): its state differs from the other members', so a read served from it could
     * be wrong; the other members keep serving.
     *
     * @return fails with {@link NoLeaderException} when no leader is known or it has not yet
     *         committed an entry in its term, {@link BackpressureException} when the read queue is
     *         full
     */
    Future<Void> readBarrier(ReadConsistency consistency);

    /**
     * {@link #readBarrier}({@code LEASE}) for the leader's own bookkeeping (lease renewals), not for
     * serving this member's state: never refused for CORRUPT, so a corrupt leader does not let every
     * client's lease expire before its leadership moves.
     */
    default Future<Void> leadershipBarrier() {
        return readBarrier(ReadConsistency.LEASE);
    }

    /** This node's current view; cheap, never blocks (a volatile snapshot refreshed by the driver). */
    NodeStatus status();

    /** Whether storage is healthy and the node is not stopping (the liveness signal). */
    boolean healthy();

    /**
     * Adds a non-voting member (leader only) and completes once the change is applied here.
     *
     * @param idOrZero      the new member's id, or 0 to let the leader pick an unused one
     * @param peerAddress   {@code host:port} of its peer port (required)
     * @param clientAddress {@code host:port} of its client port, or "" if unknown
     * @return the member id; fails ALREADY_EXISTS, INVALID_ARGUMENT, FAILED_PRECONDITION (another
     *         change pending), NOT_LEADER
     */
    Future<Long> addLearner(long idOrZero, String peerAddress, String clientAddress);

    /**
     * Turns a learner into a voter (leader only), once applied. Fails NOT_FOUND for an unknown id,
     * FAILED_PRECONDITION if {@code id} is not a learner or has not caught up (its match index lags
     * the leader's last index by more than the configured bound, or it was not heard from recently).
     */
    Future<Void> promote(long id);

    /**
     * Removes a voter or learner (leader only), once applied. Fails NOT_FOUND for an unknown id,
     * FAILED_PRECONDITION when the change would leave no voter. Removing the leader itself is allowed:
     * it steps down after the entry is applied.
     */
    Future<Void> remove(long id);

    /**
     * Hands leadership to voter {@code idOrZero} (0: the most caught-up other voter) and completes
     * once this node has seen the new leader, or fails DEADLINE_EXCEEDED after an election timeout
     * times two. Completes at once if the target already leads.
     */
    Future<Void> transferLeadership(long idOrZero);

    /**
     * The replicated key-value state machine for reads. Its read methods block on RocksDB: call them
     * off the event loop, after a {@link #readBarrier}.
     */
    StateMachineView stateMachine();

    /**
     * A consistent snapshot for download: the latest durable one if it is no older than the applied
     * index at the call, else a new one created now. The caller must close the reader. Refused
     * with {@link RaftNodeException.Code#CORRUPT_MEMBER} when the CORRUPT alarm names this member (a
     * backup of its state would carry the difference).
     */
    Future<SnapshotDownload> openSnapshotDownload();

    /** The cluster-wide alarms and the space quota ({@link Alarms}); none by default (test nodes). */
    default Alarms alarms() {
        return Alarms.none();
    }

    /**
     * The upper end of this node's randomized election timeout, milliseconds: how long a leader
     * change can take without a failed election round (leases extend by it on a new leader).
     */
    default long maxElectionTimeoutMs() {
        return 300;
    }
}
