package io.raftkv.operator.membership;

import java.util.List;

/**
 * The operator's view of one RaftKV node's {@code raftkv.v1.Cluster} service. Every method
 * dials {@code target} (a node's client address, {@code host:port}), makes one call with a
 * deadline, and either returns or throws {@link NodeAdminException} — it never retries and never
 * waits for a condition: the membership orchestration does one step per reconciliation.
 *
 * <p>Membership changes and TransferLeadership must go to the leader; a follower answers
 * {@link NodeAdminException.Reason#NOT_LEADER} with the leader's id and address.
 *
 * <p>Implementations are thread-safe: JOSDK reconciles different clusters concurrently.
 */
public interface NodeAdmin extends AutoCloseable {

    /** The node's own view: id, role, term, leader, indexes, members and (on the leader) lag. */
    NodeStatusView status(String target);

    /** The committed membership as the node last applied it. */
    List<MemberView> memberList(String target);

    /**
     * Adds a non-voting member with the given id (the id the new pod drew for itself and stored
     * on its volume) and addresses; returns the membership after the change.
     */
    List<MemberView> addLearner(String target, long id, String peerAddress, String clientAddress);

    /** Turns learner {@code id} into a voter; LEARNER_NOT_CAUGHT_UP while it lags. */
    List<MemberView> promote(String target, long id);

    /** Removes voter or learner {@code id}; UNKNOWN_MEMBER when it is not a member. */
    List<MemberView> remove(String target, long id);

    /**
     * Hands leadership to voter {@code targetId} (0: the leader picks the most caught-up voter)
     * and returns the id of the leader after the transfer.
     */
    long transferLeadership(String target, long targetId);

    /** Clears the CORRUPT alarm of member {@code memberId} (on the leader; the Alarm service's Disarm). */
    void disarmCorrupt(String target, long memberId);

    /** Releases connections. */
    @Override
    void close();
}
