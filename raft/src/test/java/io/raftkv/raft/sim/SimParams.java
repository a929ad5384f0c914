package io.raftkv.raft.sim;

import io.raftkv.raft.RaftConfig;
import java.util.SplittableRandom;

/**
 * Everything one run is configured with, drawn from its seed: cluster size, fault profile, core
 * settings (timeouts, pre-vote, check-quorum, flow-control limits) and phase lengths.
 *
 * @param faultTicks              ticks of the fault phase; then the network heals and liveness is checked
 * @param maxApplyBatchesInFlight the Ready loop's bound on apply batches handed out and not yet applied
 * @param applyLatencyTicks       ticks every node's state machine takes to apply a batch (slow-disk
 *                                faults raise it on one node for a while)
 * @param lease                   whether clients ask for lease reads, and how the drift bound
 *                                compares with the clocks' skew
 * @param leaseDriftTicks         the core's {@code leaseDriftTicks}
 * @param clockSkew               ρ: each node's clock runs at a rate in [1 − ρ, 1 + ρ] ticks per
 *                                simulated tick (0 unless {@code lease} is on)
 */
record SimParams(
        long seed,
        int clusterSize,
        FaultProfile profile,
        int electionTicks,
        int heartbeatTicks,
        boolean preVote,
        boolean checkQuorum,
        long maxSizePerMsgBytes,
        int maxInflightMsgs,
        long maxUncommittedEntriesBytes,
        int faultTicks,
        double proposeRate,
        double readRate,
        boolean bootstrapSnapshot,
        DriverBug driverBug,
        int maxApplyBatchesInFlight,
        int applyLatencyTicks,
        LeaseMode lease,
        int leaseDriftTicks,
        double clockSkew) {

    /**
     * Lease reads in a run. Drawn from a stream of its own (the seed's other draws, and so every
     * run without leases, stay as they were): half the runs with check-quorum use {@code WITHIN}.
     */
    enum LeaseMode {
        /** Only ReadIndex reads; every clock at rate 1. */
        OFF,
        /**
         * Half the reads ask for the lease; the drift bound D covers the skew: with rates in
         * [1 − ρ, 1 + ρ], {@code (E − D)(1 + ρ) ≤ (E − 1)(1 − ρ)}, i.e. ρ ≤ (D − 1)/(2E − 1 − D),
         * half the time at exactly that edge. No stale read may be served.
         */
        WITHIN,
        /**
         * Every read asks for the lease with D = 1 while clocks are skewed by ρ in [0.5, 0.8]: the
         * bound is broken on purpose, and the read checker must catch stale reads (some seeds).
         */
        BEYOND
    }

    /** This node's clock rate: simulated ticks are real time, a node ticks {@code rate} times per tick. */
    double clockRate(long nodeId) {
        if (clockSkew == 0) {
            return 1.0;
        }
        // Per node, from the seed alone; a third of the nodes at each extreme.
        SplittableRandom r = new SplittableRandom(seed * 0x2545F4914F6CDD1DL + nodeId);
        double u = switch (r.nextInt(3)) {
            case 0 -> -1.0;
            case 1 -> 1.0;
            default -> 2 * r.nextDouble() - 1;
        };
        return 1.0 + clockSkew * u;
    }

    /**
     * A deliberate mistake in the simulated driver, used only to show that the checkers catch what
     * such a mistake breaks. The normal suite always runs {@code NONE}.
     */
    enum DriverBug {
        NONE,
        /** Sends {@code persistedMessages} together with {@code messages}, before the write. */
        SEND_PERSISTED_EARLY,
        /** A node that believes it leads answers reads from its own state, skipping ReadIndex. */
        LOCAL_LEADER_READS
    }

    /**
     * How founding members start. {@code CONF}: the core's documented way, initial voters in
     * storage's ConfState and nothing else. {@code SNAPSHOT}: a snapshot at index 1 (term 1) that
     * holds the initial configuration, so the log of every member starts at index 2 and a joining
     * member always gets the configuration from a snapshot. {@code AUTO} uses SNAPSHOT only for
     * profiles that add members: a joiner fed the log from index 1 never learns the initial voters
     * (see the report of issue 2); {@code -Dsim.bootstrap=conf} reproduces that.
     */
    enum Bootstrap {
        AUTO,
        CONF,
        SNAPSHOT;

        static Bootstrap fromSystemProperty() {
            String v = System.getProperty("sim.bootstrap", "auto").trim().toUpperCase(java.util.Locale.ROOT);
            return Bootstrap.valueOf(v.isEmpty() ? "AUTO" : v);
        }
    }

    /** Largest membership a run grows to by adding learners. */
    int maxMembers() {
        return clusterSize + 2;
    }

    /** Draws the parameters of run {@code seed} from {@code rnd} (the run's only random source). */
    static SimParams draw(
            long seed,
            SplittableRandom rnd,
            int faultTicks,
            Bootstrap bootstrap,
            FaultProfile onlyProfile,
            DriverBug driverBug,
            LeaseMode onlyLease) {
        int[] sizes = {3, 5, 7};
        FaultProfile[] profiles = FaultProfile.values();
        int size = sizes[rnd.nextInt(sizes.length)];
        FaultProfile drawn = profiles[rnd.nextInt(profiles.length)];
        FaultProfile profile = onlyProfile != null ? onlyProfile : drawn;
        int heartbeat = 1 + rnd.nextInt(3);
        int election = 10 + rnd.nextInt(11);
        boolean checkQuorum = rnd.nextInt(4) != 0;
        boolean preVote = rnd.nextInt(4) != 0;
        long[] msgSizes = {128, 1024, 1 << 20};
        int[] inflight = {1, 4, 256};
        long uncommitted = rnd.nextInt(4) == 0 ? 2048 : 64L << 20;
        long msgSize = msgSizes[rnd.nextInt(msgSizes.length)];
        int maxInflight = inflight[rnd.nextInt(inflight.length)];
        double proposeRate = 0.15 + rnd.nextDouble() * 0.3;
        double readRate = 0.05 + rnd.nextDouble() * 0.1;
        int[] applyBatches = {1, 2, 4};
        int maxApplyBatches = applyBatches[rnd.nextInt(applyBatches.length)];
        int applyLatency = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(3);
        SplittableRandom leaseRnd = new SplittableRandom(seed ^ 0x1EA5E5EEDL);
        LeaseMode lease = onlyLease != null
                ? onlyLease
                : checkQuorum && leaseRnd.nextBoolean() ? LeaseMode.WITHIN : LeaseMode.OFF;
        if (lease != LeaseMode.OFF) {
            checkQuorum = true; // a lease needs it on every voter
        }
        if (lease == LeaseMode.BEYOND) {
            // Clocks this far apart let a fast node without pre-vote disrupt every election.
            preVote = true;
        }
        int drift = 1;
        double skew = 0;
        if (lease == LeaseMode.WITHIN) {
            drift = 1 + leaseRnd.nextInt(4);
            double maxSkew = (drift - 1) / (double) (2 * election - 1 - drift);
            skew = leaseRnd.nextBoolean() ? maxSkew : leaseRnd.nextDouble() * maxSkew;
        } else if (lease == LeaseMode.BEYOND) {
            skew = 0.5 + leaseRnd.nextDouble() * 0.3;
        }
        return new SimParams(
                seed,
                size,
                profile,
                election,
                heartbeat,
                preVote,
                checkQuorum,
                msgSize,
                maxInflight,
                uncommitted,
                faultTicks,
                proposeRate,
                readRate,
                bootstrap == Bootstrap.SNAPSHOT || (bootstrap == Bootstrap.AUTO && profile.confChangeRate > 0),
                driverBug,
                maxApplyBatches,
                applyLatency,
                lease,
                drift,
                skew);
    }

    /** Core configuration of node {@code id}; {@code randomSeed} feeds its election jitter. */
    RaftConfig.Builder config(long id, long randomSeed) {
        return RaftConfig.builder(id)
                .electionTicks(electionTicks)
                .heartbeatTicks(heartbeatTicks)
                .preVote(preVote)
                .checkQuorum(checkQuorum)
                .maxSizePerMsgBytes(maxSizePerMsgBytes)
                .maxInflightMsgs(maxInflightMsgs)
                .maxUncommittedEntriesBytes(maxUncommittedEntriesBytes)
                .leaseDriftTicks(leaseDriftTicks)
                .randomSeed(randomSeed);
    }

    @Override
    public String toString() {
        return "nodes=" + clusterSize + " profile=" + profile + " electionTicks=" + electionTicks
                + " heartbeatTicks=" + heartbeatTicks + " preVote=" + preVote + " checkQuorum=" + checkQuorum
                + " maxSizePerMsg=" + maxSizePerMsgBytes + " maxInflight=" + maxInflightMsgs
                + " maxUncommitted=" + maxUncommittedEntriesBytes + " faultTicks=" + faultTicks
                + " bootstrap=" + (bootstrapSnapshot ? "snapshot" : "conf")
                + " maxApplyBatchesInFlight=" + maxApplyBatchesInFlight + " applyLatency=" + applyLatencyTicks
                + (lease == LeaseMode.OFF
                        ? ""
                        : " lease=" + lease + " leaseDriftTicks=" + leaseDriftTicks
                                + String.format(java.util.Locale.ROOT, " clockSkew=%.4f", clockSkew))
                + (driverBug == DriverBug.NONE ? "" : " driverBug=" + driverBug);
    }
}
