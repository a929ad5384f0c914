package io.raftkv.node.driver;

/**
 * Settings of the Raft driver, validated up front with an error naming the field. Times in
 * milliseconds are wall-clock bounds of the driver (never read by the core, which counts ticks).
 *
 * @param tickMs                  length of one core tick
 * @param electionTicks           election timeout in ticks (the core randomizes in [e, 2e))
 * @param heartbeatTicks          heartbeat interval in ticks
 * @param maxInflightProposals    proposals admitted but not yet applied; beyond: RESOURCE_EXHAUSTED
 * @param maxPendingReads         read barriers waiting; beyond: RESOURCE_EXHAUSTED
 * @param proposalTimeoutMs       a proposal not applied by then fails UNAVAILABLE (outcome unknown)
 * @param readTimeoutMs           a read barrier not satisfied by then fails UNAVAILABLE
 * @param promoteMaxLagEntries    a learner may be promoted only if it lags the leader's last index
 *                                by at most this many entries
 * @param maxApplyBatchesInFlight committed batches handed to the apply thread and not yet applied;
 *                                the loop takes no new Ready beyond it (back-pressure)
 * @param maxSizePerMsgBytes      core: bytes of entries per append message
 * @param maxInflightMsgs         core: append messages in flight per follower
 * @param maxUncommittedBytes     core: bytes of uncommitted entries the leader accepts
 * @param shutdownTransferMs      on shutdown, how long a leader waits for a transfer to finish
 * @param leaseDriftTicks         core: the leader lease's clock drift bound in ticks, in
 *                                [1, electionTicks): LEASE reads are served from the lease until
 *                                {@code electionTicks − leaseDriftTicks} ticks after the newest
 *                                heartbeat round a quorum acknowledged ({@code RawNode.leaseRead})
 */
public record DriverOptions(
        long tickMs,
        int electionTicks,
        int heartbeatTicks,
        int maxInflightProposals,
        int maxPendingReads,
        long proposalTimeoutMs,
        long readTimeoutMs,
        long promoteMaxLagEntries,
        int maxApplyBatchesInFlight,
        long maxSizePerMsgBytes,
        int maxInflightMsgs,
        long maxUncommittedBytes,
        long shutdownTransferMs,
        int leaseDriftTicks) {

    public static DriverOptions defaults() {
        return new DriverOptions(
                10,
                15,
                5,
                10_000,
                10_000,
                10_000,
                5_000,
                1_000,
                256,
                1L << 20,
                256,
                64L << 20,
                3_000,
                io.raftkv.raft.RaftConfig.DEFAULT_LEASE_DRIFT_TICKS);
    }

    public DriverOptions {
        positive("tickMs", tickMs);
        positive("electionTicks", electionTicks);
        positive("heartbeatTicks", heartbeatTicks);
        if (electionTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("electionTicks (" + electionTicks
                    + ") must be greater than heartbeatTicks (" + heartbeatTicks + ")");
        }
        positive("maxInflightProposals", maxInflightProposals);
        positive("maxPendingReads", maxPendingReads);
        positive("proposalTimeoutMs", proposalTimeoutMs);
        positive("readTimeoutMs", readTimeoutMs);
        if (promoteMaxLagEntries < 0) {
            throw new IllegalArgumentException("promoteMaxLagEntries must be ≥ 0, got " + promoteMaxLagEntries);
        }
        positive("maxApplyBatchesInFlight", maxApplyBatchesInFlight);
        positive("maxSizePerMsgBytes", maxSizePerMsgBytes);
        positive("maxInflightMsgs", maxInflightMsgs);
        positive("maxUncommittedBytes", maxUncommittedBytes);
        positive("shutdownTransferMs", shutdownTransferMs);
        if (leaseDriftTicks < 1 || leaseDriftTicks >= electionTicks) {
            throw new IllegalArgumentException(
                    "leaseDriftTicks must be in [1, electionTicks = " + electionTicks + "), got " + leaseDriftTicks);
        }
    }

    /** The upper end of the randomized election timeout, in milliseconds. */
    public long maxElectionTimeoutMs() {
        return 2L * electionTicks * tickMs;
    }

    public DriverOptions withTiming(long tick, int election, int heartbeat) {
        return new DriverOptions(
                tick,
                election,
                heartbeat,
                maxInflightProposals,
                maxPendingReads,
                proposalTimeoutMs,
                readTimeoutMs,
                promoteMaxLagEntries,
                maxApplyBatchesInFlight,
                maxSizePerMsgBytes,
                maxInflightMsgs,
                maxUncommittedBytes,
                shutdownTransferMs,
                leaseDriftTicks);
    }

    public DriverOptions withMaxInflightProposals(int v) {
        return new DriverOptions(
                tickMs,
                electionTicks,
                heartbeatTicks,
                v,
                maxPendingReads,
                proposalTimeoutMs,
                readTimeoutMs,
                promoteMaxLagEntries,
                maxApplyBatchesInFlight,
                maxSizePerMsgBytes,
                maxInflightMsgs,
                maxUncommittedBytes,
                shutdownTransferMs,
                leaseDriftTicks);
    }

    public DriverOptions withLeaseDriftTicks(int v) {
        return new DriverOptions(
                tickMs,
                electionTicks,
                heartbeatTicks,
                maxInflightProposals,
                maxPendingReads,
                proposalTimeoutMs,
                readTimeoutMs,
                promoteMaxLagEntries,
                maxApplyBatchesInFlight,
                maxSizePerMsgBytes,
                maxInflightMsgs,
                maxUncommittedBytes,
                shutdownTransferMs,
                v);
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
    }
}
