package io.raftkv.chaos;

import io.raftkv.chaos.run.ChaosRun;
import io.raftkv.raft.arch.PackageRules;
import org.junit.jupiter.api.Test;

/**
 * The chaos harness's package rules (what {@link PackageRules} checks; each package's package-info.java
 * says the same in words): the cluster and the workload are independent of each other and of the run,
 * which composes them. A new package needs a row here.
 */
class ChaosArchitectureTest {
    @Test
    void packagesDependOnlyOnWhatTheirRowAllows() {
        PackageRules.of("ChaosArchitectureTest", ChaosRun.class)
                .allow("io.raftkv.chaos.run", "io.raftkv..")
                .allow(
                        "io.raftkv.chaos.cluster",
                        "io.raftkv.api..",
                        "io.raftkv.e2e.faults",
                        "io.raftkv.e2e.proxy",
                        "io.raftkv.testkit")
                .allow(
                        "io.raftkv.chaos.hostile",
                        "io.raftkv.chaos.cluster",
                        "io.raftkv.chaos.workload",
                        "io.raftkv.chaos.run",
                        "io.raftkv.api..",
                        "io.raftkv.e2e.history",
                        "io.raftkv.e2e.linearizability")
                .allow("io.raftkv.chaos.workload", "io.raftkv.api..", "io.raftkv.etcd.api..", "io.raftkv.e2e.history")
                .check();
    }
}
