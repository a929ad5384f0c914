package io.raftkv.raft;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.LongUnaryOperator;

/**
 * Majority quorum arithmetic over one set of voters (etcd's {@code quorum.MajorityConfig}). Pure
 * functions: the caller supplies the voters and what it knows about each.
 */
final class MajorityQuorum {

    /** Outcome of an election (or of a read-index confirmation round) so far. */
    enum VoteResult {
        WON,
        LOST,
        PENDING
    }

    private MajorityQuorum() {}

    /** Votes needed to win among {@code voterCount} voters: a strict majority. */
    static int quorumSize(int voterCount) {
        return voterCount / 2 + 1;
    }

    /**
     * The largest index that a majority of voters has reached, given each voter's match index.
     * Zero for an empty voter set (nothing can commit without voters).
     */
    static long committedIndex(Set<Long> voters, LongUnaryOperator matchOf) {
        if (voters.isEmpty()) {
            return 0;
        }
        long[] matches = new long[voters.size()];
        int i = 0;
        for (long id : voters) {
            matches[i++] = matchOf.applyAsLong(id);
        }
        Arrays.sort(matches);
        // Ascending order: the element at n - quorum is reached by exactly `quorum` voters or more.
        return matches[matches.length - quorumSize(matches.length)];
    }

    /**
     * Tallies {@code votes} (member id → granted); votes from non-voters are ignored. An empty voter
     * set never wins: such a node must not lead.
     */
    static VoteResult voteResult(Set<Long> voters, Map<Long, Boolean> votes) {
        if (voters.isEmpty()) {
            return VoteResult.LOST;
        }
        int granted = 0;
        int rejected = 0;
        for (long id : voters) {
            Boolean v = votes.get(id);
            if (v == null) {
                continue;
            }
            if (v) {
                granted++;
            } else {
                rejected++;
            }
        }
        int quorum = quorumSize(voters.size());
        if (granted >= quorum) {
            return VoteResult.WON;
        }
        int missing = voters.size() - granted - rejected;
        return granted + missing >= quorum ? VoteResult.PENDING : VoteResult.LOST;
    }
}
