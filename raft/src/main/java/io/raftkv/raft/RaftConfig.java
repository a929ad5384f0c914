package io.raftkv.raft;

/**
 * Core configuration, validated up front by {@link #validate()} with an error naming the field.
 * Times are in ticks; the driver decides how long a tick is (the node uses 10 ms, so the defaults
 * give 150–300 ms elections and 50 ms heartbeats).
 *
 * @param checkQuorum     a leader steps down when it has not heard from a quorum within an election
 *                        timeout, and a follower that heard from a leader within the minimum election
 *                        timeout refuses to vote for anyone else. Leader leases (see
 *                        {@link RawNode#leaseRead(byte[])}) need it on every voter.
 * @param leaseDriftTicks the clock drift bound of leader leases, in ticks, at least 1: a leader serves
 *                        lease reads until {@code electionTicks − leaseDriftTicks} ticks after the
 *                        start of its newest heartbeat round a quorum acknowledged. One tick covers the
 *                        tick's granularity; the rest must cover how much faster any voter's ticks may
 *                        run than the leader's (see {@link RawNode#leaseRead(byte[])} for the argument)
 */
public record RaftConfig(
        long id,
        int electionTicks,
        int heartbeatTicks,
        long maxSizePerMsgBytes,
        int maxInflightMsgs,
        long maxUncommittedEntriesBytes,
        boolean checkQuorum,
        boolean preVote,
        int leaseDriftTicks,
        long applied,
        long randomSeed) {

    public static final int DEFAULT_ELECTION_TICKS = 15;
    public static final int DEFAULT_HEARTBEAT_TICKS = 5;
    /**
     * Default {@link #leaseDriftTicks()}: one tick for the tick's own granularity and two for clock
     * rates (a follower's ticks may run up to (E − 1) / (E − 3) times as fast as the leader's: 16 %
     * at the default 15-tick election timeout).
     */
    public static final int DEFAULT_LEASE_DRIFT_TICKS = 3;

    public static Builder builder(long id) {
        return new Builder(id);
    }

    /** @throws IllegalArgumentException naming the first invalid field */
    public RaftConfig validate() {
        if (id == Raft.NONE) {
            throw new IllegalArgumentException("id must not be " + Raft.NONE);
        }
        if (heartbeatTicks <= 0) {
            throw new IllegalArgumentException("heartbeatTicks must be > 0, got " + heartbeatTicks);
        }
        if (electionTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("electionTicks (" + electionTicks
                    + ") must be greater than heartbeatTicks (" + heartbeatTicks + ")");
        }
        if (maxSizePerMsgBytes <= 0) {
            throw new IllegalArgumentException("maxSizePerMsgBytes must be > 0, got " + maxSizePerMsgBytes);
        }
        if (maxInflightMsgs <= 0) {
            throw new IllegalArgumentException("maxInflightMsgs must be > 0, got " + maxInflightMsgs);
        }
        if (maxUncommittedEntriesBytes <= 0) {
            throw new IllegalArgumentException(
                    "maxUncommittedEntriesBytes must be > 0, got " + maxUncommittedEntriesBytes);
        }
        if (leaseDriftTicks < 1 || leaseDriftTicks >= electionTicks) {
            throw new IllegalArgumentException("leaseDriftTicks must be in [1, electionTicks = " + electionTicks
                    + "), got " + leaseDriftTicks + " (one tick covers the tick's granularity)");
        }
        if (applied < 0) {
            throw new IllegalArgumentException("applied must be ≥ 0, got " + applied);
        }
        return this;
    }

    /** Builder with production defaults. */
    public static final class Builder {
        private final long id;
        private int electionTicks = DEFAULT_ELECTION_TICKS;
        private int heartbeatTicks = DEFAULT_HEARTBEAT_TICKS;
        private long maxSizePerMsgBytes = 1L << 20;
        private int maxInflightMsgs = 256;
        private long maxUncommittedEntriesBytes = 64L << 20;
        private boolean checkQuorum = true;
        private boolean preVote = true;
        private int leaseDriftTicks = DEFAULT_LEASE_DRIFT_TICKS;
        private long applied;
        private long randomSeed;

        private Builder(long id) {
            this.id = id;
            this.randomSeed = id * 0x9E3779B97F4A7C15L;
        }

        public Builder electionTicks(int v) {
            this.electionTicks = v;
            return this;
        }

        public Builder heartbeatTicks(int v) {
            this.heartbeatTicks = v;
            return this;
        }

        public Builder maxSizePerMsgBytes(long v) {
            this.maxSizePerMsgBytes = v;
            return this;
        }

        public Builder maxInflightMsgs(int v) {
            this.maxInflightMsgs = v;
            return this;
        }

        public Builder maxUncommittedEntriesBytes(long v) {
            this.maxUncommittedEntriesBytes = v;
            return this;
        }

        public Builder checkQuorum(boolean v) {
            this.checkQuorum = v;
            return this;
        }

        public Builder preVote(boolean v) {
            this.preVote = v;
            return this;
        }

        public Builder leaseDriftTicks(int v) {
            this.leaseDriftTicks = v;
            return this;
        }

        public Builder applied(long v) {
            this.applied = v;
            return this;
        }

        public Builder randomSeed(long v) {
            this.randomSeed = v;
            return this;
        }

        public RaftConfig build() {
            return new RaftConfig(
                            id,
                            electionTicks,
                            heartbeatTicks,
                            maxSizePerMsgBytes,
                            maxInflightMsgs,
                            maxUncommittedEntriesBytes,
                            checkQuorum,
                            preVote,
                            leaseDriftTicks,
                            applied,
                            randomSeed)
                    .validate();
        }
    }
}
