package io.raftkv.node.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.raft.ProposalDroppedException;
import io.raftkv.raft.ProposalDroppedException.Reason;
import org.junit.jupiter.api.Test;

/**
 * A proposal the core dropped was never proposed: when the reason is that no leader can take it
 * now, the driver says so with {@link NoLeaderException} (a client may repeat even a write without
 * a session), never with the "outcome unknown" {@link UnavailableException}.
 */
class DroppedProposalsTest {
    private final MemberDirectory members = new MemberDirectory(null, Runnable::run);

    private RaftNodeException map(Reason reason, long hint) {
        return DroppedProposals.map(
                new ProposalDroppedException(reason, hint, "dropped"), members, DriverOptions.defaults());
    }

    @Test
    void refusalsWithoutAUsableLeaderAreNoLeader() {
        for (Reason r :
                new Reason[] {Reason.NO_LEADER, Reason.LEADERSHIP_TRANSFER_IN_PROGRESS, Reason.NOT_COMMITTED_IN_TERM}) {
            RaftNodeException e = map(r, 0);
            assertThat(e).as(r.name()).isInstanceOf(NoLeaderException.class);
            assertThat(e.code()).as(r.name()).isEqualTo(RaftNodeException.Code.NO_LEADER);
        }
        assertThat(map(Reason.NOT_LEADER, 0)).isInstanceOf(NoLeaderException.class);
    }

    @Test
    void aKnownLeaderIsAHintAndNotALostProposal() {
        assertThat(map(Reason.NOT_LEADER, 2)).isInstanceOf(NotLeaderException.class);
        assertThat(map(Reason.CONF_CHANGE_PENDING, 0).code())
                .isEqualTo(RaftNodeException.Code.MEMBERSHIP_CHANGE_IN_PROGRESS);
    }
}
