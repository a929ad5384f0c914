package io.raftkv.node.driver;

import io.raftkv.raft.ProposalDroppedException;

/** The typed error, with a message a client can act on, for each reason the core refuses a request. */
final class DroppedProposals {
    private DroppedProposals() {}

    /** Maps the core's refusal to the typed error the server turns into a gRPC status. */
    static RaftNodeException map(ProposalDroppedException e, MemberDirectory members, DriverOptions options) {
        return switch (e.reason()) {
            case NOT_LEADER ->
                e.leaderHint() == 0
                        ? new NoLeaderException("no leader is known; an election is in progress")
                        : new NotLeaderException(e.leaderHint(), members.clientAddress(e.leaderHint()));
            case NO_LEADER -> new NoLeaderException("no leader is known; an election is in progress");
            case LEADERSHIP_TRANSFER_IN_PROGRESS -> new NoLeaderException("leadership transfer in progress");
            case CONF_CHANGE_PENDING ->
                new RaftNodeException(
                        RaftNodeException.Code.MEMBERSHIP_CHANGE_IN_PROGRESS,
                        "another membership change is still pending");
            case UNCOMMITTED_LIMIT_EXCEEDED ->
                new BackpressureException("uncommitted entries exceed " + options.maxUncommittedBytes() + " bytes");
            case NOT_COMMITTED_IN_TERM ->
                new NoLeaderException("the new leader has not committed an entry in its term yet");
            case INVALID -> new RaftNodeException(RaftNodeException.Code.INVALID_ARGUMENT, e.getMessage());
            case TOO_MANY_PENDING_READS ->
                new BackpressureException("the leader has too many read-index requests" + " waiting");
        };
    }
}
