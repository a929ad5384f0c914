package io.raftkv.raft.sim;

import java.util.List;

/** The full set of checkers one simulation run feeds, one instance of each per run. */
final class Checkers {
    final ElectionSafetyChecker electionSafety = new ElectionSafetyChecker();
    final LeaderAppendOnlyChecker leaderAppendOnly = new LeaderAppendOnlyChecker();
    final LogMatchingChecker logMatching = new LogMatchingChecker();
    final LeaderCompletenessChecker leaderCompleteness = new LeaderCompletenessChecker();
    final StateMachineSafetyChecker stateMachineSafety = new StateMachineSafetyChecker();
    final CommitMonotonicityChecker commitMonotonicity = new CommitMonotonicityChecker();
    final LinearizableReadChecker linearizableRead = new LinearizableReadChecker();
    final ReadyContractChecker readyContract = new ReadyContractChecker();
    final ProposalOutcomeChecker proposalOutcome = new ProposalOutcomeChecker();
    final LeaderMembershipChecker leaderMembership = new LeaderMembershipChecker();

    List<Checker> all() {
        return List.of(
                electionSafety,
                leaderAppendOnly,
                logMatching,
                leaderCompleteness,
                stateMachineSafety,
                commitMonotonicity,
                linearizableRead,
                readyContract,
                proposalOutcome,
                leaderMembership);
    }

    /** Checks done by all checkers together. */
    long totalChecks() {
        long n = 0;
        for (Checker c : all()) {
            n += c.checks();
        }
        return n;
    }
}
