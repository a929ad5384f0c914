package io.raftkv.bench;

import io.raftkv.raft.arch.PackageRules;
import org.junit.jupiter.api.Test;

/**
 * The benchmark tool's package rules (what {@link PackageRules} checks; each package's package-info.java
 * says the same in words): workloads and load know only the target contract ({@code io.raftkv.bench.spi}),
 * so one load generator drives every system; only {@code target} and {@code cluster} know RaftKV's client.
 * No frozen exception is left (the clusters' {@code ClusterMetrics} moved from suite into cluster). A new
 * package needs a row here.
 */
class BenchArchitectureTest {
    @Test
    void packagesDependOnlyOnWhatTheirRowAllows() {
        PackageRules.of("BenchArchitectureTest", BenchMain.class)
                .allow("io.raftkv.bench", "io.raftkv..")
                .allow("io.raftkv.bench.workload", "io.raftkv.bench.spi")
                .allow("io.raftkv.bench.load", "io.raftkv.bench.spi", "io.raftkv.bench.workload")
                .allow("io.raftkv.bench.cluster", "io.raftkv.api..", "io.raftkv.testkit")
                .allow("io.raftkv.bench.target", "io.raftkv.api..", "io.raftkv.bench.spi")
                .allow(
                        "io.raftkv.bench.suite",
                        "io.raftkv.bench.cluster",
                        "io.raftkv.bench.load",
                        "io.raftkv.bench.spi",
                        "io.raftkv.bench.workload")
                .allow("io.raftkv.bench.report", "io.raftkv.bench.load", "io.raftkv.bench.suite")
                .allow("io.raftkv.bench.jmh", "io.raftkv.raft", "io.raftkv.api.v1", "io.raftkv.api.peer.v1")
                .check();
    }
}
