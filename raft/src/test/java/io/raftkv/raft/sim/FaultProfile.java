package io.raftkv.raft.sim;

/**
 * A mix of faults and workload for one run. Rates are per tick (or per message for the network
 * rates); each run draws one profile from its seed so that the suite covers quiet runs, single
 * fault kinds, and everything at once.
 */
enum FaultProfile {
    //         drop  dup   reord maxDly partition crash slowDisk confChg transfer compact
    CALM(0, 0, 0, 2, 0, 0, 0, 0, 0, 0.01),
    LOSSY(0.10, 0.05, 0.10, 3, 0, 0, 0.005, 0, 0, 0.02),
    PARTITIONS(0.02, 0.01, 0.05, 3, 0.02, 0, 0, 0, 0.005, 0.02),
    CRASHES(0.02, 0.01, 0.05, 3, 0, 0.01, 0.01, 0, 0, 0.02),
    MEMBERSHIP(0.02, 0.01, 0.05, 3, 0.005, 0.003, 0.005, 0.03, 0.01, 0.03),
    CHAOS(0.08, 0.04, 0.10, 4, 0.015, 0.008, 0.01, 0.02, 0.01, 0.03);

    final SimNetwork.Faults network;
    final double partitionRate;
    final double crashRate;
    final double slowDiskRate;
    final double confChangeRate;
    final double transferRate;
    final double compactionRate;

    FaultProfile(
            double drop,
            double duplicate,
            double reorder,
            int maxDelayTicks,
            double partitionRate,
            double crashRate,
            double slowDiskRate,
            double confChangeRate,
            double transferRate,
            double compactionRate) {
        this.network = new SimNetwork.Faults(drop, duplicate, reorder, 1, maxDelayTicks, 8);
        this.partitionRate = partitionRate;
        this.crashRate = crashRate;
        this.slowDiskRate = slowDiskRate;
        this.confChangeRate = confChangeRate;
        this.transferRate = transferRate;
        this.compactionRate = compactionRate;
    }
}
