package io.raftkv.operator.membership;

/**
 * One Raft member as a node reports it.
 *
 * @param id member id (positive; ids of members added by scaling are ≥ 2^32)
 * @param voter true for a voter, false for a learner
 * @param peerAddress host:port of the member's peer port, as registered with AddLearner
 * @param clientAddress host:port of its client port; empty when unknown
 */
public record MemberView(long id, boolean voter, String peerAddress, String clientAddress) {

    public MemberView {
        if (id == 0) {
            throw new IllegalArgumentException("member id 0 is not a member");
        }
        peerAddress = peerAddress == null ? "" : peerAddress;
        clientAddress = clientAddress == null ? "" : clientAddress;
    }

    public boolean learner() {
        return !voter;
    }
}
