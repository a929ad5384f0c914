package io.raftkv.raft.sim;

import io.raftkv.raft.ConfState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One deterministic simulation run: a fault phase (workload plus the faults of the run's
 * {@link FaultProfile}), then a liveness phase (faults stop, the network heals, crashed nodes
 * restart) in which, within bounded ticks, a leader must emerge, a barrier write must commit and
 * be applied on every member, every earlier proposal must have an explicit outcome, and a
 * linearizable read must be served. Every checker runs after every step throughout.
 */
public final class Simulation {
    /** Ticks of the fault phase in the standard suite. */
    public static final int DEFAULT_FAULT_TICKS = 600;

    /** Result of one run: its counters and, if it failed, a message starting with the seed. */
    public record Result(long seed, SimStats stats, String failure) {
        public boolean failed() {
            return failure != null;
        }
    }

    private final SimParams params;
    private final SimStats stats = new SimStats();
    private final SimCluster cluster;
    private final Workload workload;
    private final FaultInjector faults;

    /**
     * How to run a seed.
     *
     * @param onlyProfile if non-null, replaces the profile the seed draws
     * @param driverBug   a deliberate driver mistake (checker self-tests only)
     */
    record Options(
            int faultTicks,
            boolean tracing,
            SimParams.Bootstrap bootstrap,
            FaultProfile onlyProfile,
            SimParams.DriverBug driverBug,
            SimParams.LeaseMode onlyLease) {
        Options(
                int faultTicks,
                boolean tracing,
                SimParams.Bootstrap bootstrap,
                FaultProfile onlyProfile,
                SimParams.DriverBug driverBug) {
            this(faultTicks, tracing, bootstrap, onlyProfile, driverBug, null);
        }

        /** Bootstrap, profile and lease mode from {@code -Dsim.bootstrap/-Dsim.profile/-Dsim.lease}. */
        static Options standard(int faultTicks, boolean tracing) {
            String profile = System.getProperty("sim.profile", "").trim();
            String lease = System.getProperty("sim.lease", "").trim();
            return new Options(
                    faultTicks,
                    tracing,
                    SimParams.Bootstrap.fromSystemProperty(),
                    profile.isEmpty() ? null : FaultProfile.valueOf(profile.toUpperCase(java.util.Locale.ROOT)),
                    SimParams.DriverBug.NONE,
                    lease.isEmpty() ? null : SimParams.LeaseMode.valueOf(lease.toUpperCase(java.util.Locale.ROOT)));
        }
    }

    private Simulation(long seed, Options o) {
        SplittableRandom rnd = new SplittableRandom(seed);
        this.params =
                SimParams.draw(seed, rnd, o.faultTicks(), o.bootstrap(), o.onlyProfile(), o.driverBug(), o.onlyLease());
        this.cluster = new SimCluster(params, rnd, stats, o.tracing());
        this.workload = new Workload(cluster);
        this.faults = new FaultInjector(cluster);
    }

    /** The command that replays {@code seed} alone, with a trace. */
    public static String replayCommand(long seed) {
        return replayCommand(seed, Options.standard(DEFAULT_FAULT_TICKS, false));
    }

    static String replayCommand(long seed, Options o) {
        String bootstrap = System.getProperty("sim.bootstrap");
        return "mvn -B -pl raft test -Dtest=SimulationTest -Dsim.seed=" + seed
                + (bootstrap == null ? "" : " -Dsim.bootstrap=" + bootstrap)
                + (o.onlyProfile() == null ? "" : " -Dsim.profile=" + o.onlyProfile())
                + (o.onlyLease() == null ? "" : " -Dsim.lease=" + o.onlyLease())
                + (o.faultTicks() == DEFAULT_FAULT_TICKS ? "" : " -Dsim.faultTicks=" + o.faultTicks());
    }

    /** Runs {@code seed}; never throws: failures come back in the result. */
    public static Result run(long seed, int faultTicks, boolean tracing) {
        return run(seed, Options.standard(faultTicks, tracing));
    }

    static Result run(long seed, Options options) {
        Simulation sim;
        try {
            sim = new Simulation(seed, options);
        } catch (RuntimeException | AssertionError e) {
            return failed(seed, options, new SimStats(), "setup failed: " + e, null, List.of());
        }
        sim.stats.seeds = 1;
        try {
            sim.faultPhase();
            sim.livenessPhase();
            sim.stats.checks = sim.cluster.checkers().totalChecks();
            return new Result(seed, sim.stats, null);
        } catch (RuntimeException | AssertionError e) {
            sim.stats.checks = sim.cluster.checkers().totalChecks();
            sim.stats.failures = 1;
            String what = e instanceof SafetyViolation || e instanceof LivenessFailure
                    ? e.getMessage()
                    : "unexpected " + stackSummary(e);
            return failed(
                    seed,
                    options,
                    sim.stats,
                    what + " at tick " + sim.cluster.now(),
                    sim.params,
                    sim.cluster.traceTail());
        }
    }

    private static Result failed(
            long seed, Options options, SimStats stats, String what, SimParams params, List<String> trace) {
        stats.failures = 1;
        StringBuilder b = new StringBuilder("seed=")
                .append(seed)
                .append(" replay: ")
                .append(replayCommand(seed, options))
                .append("\n  ")
                .append(what);
        if (params != null) {
            b.append("\n  params: ").append(params);
        }
        if (!trace.isEmpty()) {
            b.append("\n  trace (last ").append(trace.size()).append(" events):");
            for (String line : trace) {
                b.append("\n    ").append(line);
            }
        }
        return new Result(seed, stats, b.toString());
    }

    private static String stackSummary(Throwable e) {
        StringBuilder b = new StringBuilder(e.toString());
        StackTraceElement[] st = e.getStackTrace();
        for (int i = 0; i < Math.min(12, st.length); i++) {
            b.append("\n      at ").append(st[i]);
        }
        if (e.getCause() != null) {
            b.append("\n    caused by ").append(e.getCause());
        }
        return b.toString();
    }

    private void faultPhase() {
        for (int t = 0; t < params.faultTicks(); t++) {
            faults.step();
            workload.step();
            cluster.tick();
        }
    }

    private void livenessPhase() {
        faults.stop();
        long healedAt = cluster.now();
        int leaderBound = 30 * params.electionTicks();
        SimNode leader = null;
        while (leader == null) {
            if (cluster.now() - healedAt > leaderBound) {
                throw new LivenessFailure(
                        "no leader within " + leaderBound + " ticks after healing; " + describeNodes());
            }
            cluster.tick();
            leader = cluster.leader();
        }
        stats.maxTicksToLeaderAfterHeal = cluster.now() - healedAt;
        awaitQuiescence(healedAt, leaderBound + 60L * params.electionTicks());
        stats.maxTicksToQuiesceAfterHeal = cluster.now() - healedAt;
        stats.event("proposals_committed", cluster.checkers().proposalOutcome.committedCount());
        stats.event("proposals_failed", cluster.checkers().proposalOutcome.failedCount());
        if (params.profile().confChangeRate > 0) {
            checkMembershipLiveness(leaderBound);
        }
    }

    /**
     * Membership liveness, after healing and quiescence: the newest committed configuration is the
     * one the leader runs, every voter of it is a live node whose state machine applied it (voters
     * reachable, logs comparable), and it can elect a leader — each of its voters in turn, through a
     * leadership transfer, and, with three or more voters, a new one by election when the leader
     * crashes.
     */
    private void checkMembershipLiveness(int leaderBound) {
        ConfState committed = cluster.committedConf();
        SimNode leader = cluster.leader();
        ConfState running = leader.raw().status().confState();
        if (!running.equals(committed)) {
            throw new LivenessFailure("membership: leader n" + leader.id + " runs " + running
                    + " but the newest committed configuration is " + committed + "; " + describeNodes());
        }
        List<Long> voters = new ArrayList<>(new java.util.TreeSet<>(committed.voters()));
        for (long id : voters) {
            SimNode v = cluster.node(id);
            if (v == null
                    || v.isDecommissioned()
                    || !v.isUp()
                    || !v.sm.confState().equals(committed)) {
                throw new LivenessFailure("membership: voter n" + id + " of the committed configuration " + committed
                        + " is gone, down or on another configuration; " + describeNodes());
            }
        }
        int electBound = 20 * params.electionTicks();
        for (long target : voters) {
            leader = awaitLeader(leaderBound, "before electing n" + target);
            if (leader.id == target) {
                continue;
            }
            long asked = cluster.now();
            while (cluster.leader() == null || cluster.leader().id != target) {
                if (cluster.now() - asked > electBound) {
                    throw new LivenessFailure("membership: voter n" + target + " of " + committed
                            + " was not elected within " + electBound + " ticks of a leadership transfer; "
                            + describeNodes());
                }
                SimNode l = cluster.leader();
                if (l != null && (cluster.now() - asked) % (2L * params.electionTicks()) == 0) {
                    try {
                        l.raw().transferLeadership(target);
                    } catch (io.raftkv.raft.ProposalDroppedException e) {
                        // A transfer is already in progress; try again later.
                    }
                    l.afterStep();
                }
                cluster.tick();
            }
            stats.event("membership_drill_transfers");
        }
        if (voters.size() >= 3) {
            SimNode old = awaitLeader(leaderBound, "before the leader crash drill");
            cluster.crash(old);
            long crashedAt = cluster.now();
            SimNode next = cluster.leader();
            while (next == null) {
                if (cluster.now() - crashedAt > leaderBound) {
                    throw new LivenessFailure("membership: no leader of " + committed + " within " + leaderBound
                            + " ticks after leader n" + old.id + " crashed; " + describeNodes());
                }
                cluster.tick();
                next = cluster.leader();
            }
            stats.event("membership_drill_elections");
            cluster.start(old);
        }
    }

    private SimNode awaitLeader(int bound, String when) {
        long from = cluster.now();
        SimNode leader = cluster.leader();
        while (leader == null) {
            if (cluster.now() - from > bound) {
                throw new LivenessFailure(
                        "membership: no leader within " + bound + " ticks " + when + "; " + describeNodes());
            }
            cluster.tick();
            leader = cluster.leader();
        }
        return leader;
    }

    /**
     * Proposes a barrier on the current leader (again if a barrier fails) until one commits and
     * every live member applied it, nothing is pending any more, and a read was served.
     */
    private void awaitQuiescence(long healedAt, long bound) {
        ProposalOutcomeChecker outcomes = cluster.checkers().proposalOutcome;
        long barrier = 0;
        long readsServedBefore = stats.events("reads_served");
        boolean readIssued = false;
        // A member far behind under tight flow control (one small message in flight) needs time in
        // proportion to its lag: the deadline moves while the slowest member keeps applying, but
        // never past a hard cap, and a member that stops making progress fails after `bound`.
        long hardCap = 10 * bound;
        long deadline = healedAt + bound;
        long slowestApplied = slowestMemberApplied();
        while (true) {
            long nowSlowest = slowestMemberApplied();
            if (nowSlowest > slowestApplied) {
                slowestApplied = nowSlowest;
                deadline = Math.min(healedAt + hardCap, Math.max(deadline, cluster.now() + bound / 3));
            }
            if (cluster.now() > deadline) {
                throw new LivenessFailure("not quiescent within " + (cluster.now() - healedAt)
                        + " ticks after healing (progress bound " + bound + ", cap " + hardCap + "): barrier v"
                        + barrier + " " + outcomes.outcome(barrier) + ", " + outcomes.pending()
                        + " proposals pending, e.g. " + outcomes.somePending(5) + ", read served "
                        + (stats.events("reads_served") > readsServedBefore) + "; " + describeNodes());
            }
            SimNode leader = cluster.leader();
            ProposalOutcomeChecker.Outcome o = outcomes.outcome(barrier);
            if (leader != null && (barrier == 0 || o == ProposalOutcomeChecker.Outcome.FAILED)) {
                barrier = workload.proposeNew(leader);
                leader.afterStep();
            } else if (o == ProposalOutcomeChecker.Outcome.COMMITTED
                    && leader != null
                    && allMembersApplied(leader, outcomes.indexOf(barrier))
                    && outcomes.pending() == 0) {
                if (stats.events("reads_served") > readsServedBefore) {
                    return;
                }
                if (!readIssued || cluster.now() % (4L * params.electionTicks()) == 0) {
                    workload.read(leader);
                    leader.afterStep();
                    readIssued = true;
                }
            }
            cluster.tick();
        }
    }

    /** Lowest applied index among the live members of the current leader's configuration. */
    private long slowestMemberApplied() {
        SimNode leader = cluster.leader();
        if (leader == null) {
            return -1;
        }
        ConfState cs = leader.raw().status().confState();
        long min = Long.MAX_VALUE;
        for (long id : cs.voters()) {
            min = Math.min(min, appliedOf(id));
        }
        for (long id : cs.learners()) {
            min = Math.min(min, appliedOf(id));
        }
        return min == Long.MAX_VALUE ? -1 : min;
    }

    private long appliedOf(long id) {
        SimNode n = cluster.node(id);
        return n == null || !n.isUp() ? -1 : n.sm.applied();
    }

    private boolean allMembersApplied(SimNode leader, long index) {
        ConfState cs = leader.raw().status().confState();
        List<Long> members = new ArrayList<>(cs.voters());
        members.addAll(cs.learners());
        for (long id : members) {
            SimNode n = cluster.node(id);
            if (n == null || !n.isUp() || n.sm.applied() < index) {
                return false;
            }
        }
        return true;
    }

    private String describeNodes() {
        StringBuilder b = new StringBuilder("nodes:");
        for (SimNode n : cluster.allNodes()) {
            b.append(" n").append(n.id);
            if (n.isDecommissioned()) {
                b.append("(removed)");
                continue;
            }
            if (!n.isUp()) {
                b.append("(down)");
                continue;
            }
            b.append('(')
                    .append(n.role())
                    .append(" t")
                    .append(n.term())
                    .append(" lead ")
                    .append(n.leaderHint())
                    .append(" applied ")
                    .append(n.sm.applied())
                    .append(" last ")
                    .append(n.disk.log().lastIndex())
                    .append(" conf ")
                    .append(n.sm.confState().voters())
                    .append('/')
                    .append(n.sm.confState().learners())
                    .append(')');
        }
        return b.toString();
    }

    /** A liveness property did not hold within its bound. */
    static final class LivenessFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LivenessFailure(String message) {
            super("Liveness: " + message);
        }
    }
}
