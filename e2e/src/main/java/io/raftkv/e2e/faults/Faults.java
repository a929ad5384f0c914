package io.raftkv.e2e.faults;

import java.util.List;

/** The catalogue of fault kinds, with default settings; fresh instances on each call. */
public final class Faults {
    private Faults() {}

    /** Every fault kind once (the short chaos run in {@code make test}). */
    public static List<Fault> all() {
        return List.of(
                new KillLeader(),
                new KillFollower(),
                new KillRandom(),
                new PauseLeader(),
                new IsolateLeader(),
                new PartitionMinority(),
                new BridgePartition(),
                new RandomHalves(),
                new SlowLinks(),
                new LossyLinks(),
                new MembershipChange(),
                new TransferStorm());
    }

    /** The eight kinds of the {@code make chaos} gate (issue 7). */
    public static List<Fault> gate() {
        return List.of(
                new KillLeader(),
                new KillFollower(),
                new PartitionMinority(),
                new IsolateLeader(),
                new BridgePartition(),
                new PauseLeader(),
                new SlowLinks(),
                new LossyLinks());
    }
}
