package io.raftkv.testkit;

import io.raftkv.raft.arch.PackageRules;
import org.junit.jupiter.api.Test;

/** The test kit depends on no RaftKV package (so node's own tests can use it). */
class TestkitArchitectureTest {
    @Test
    void packagesDependOnlyOnWhatTheirRowAllows() {
        PackageRules.of("TestkitArchitectureTest", ManagedProcess.class)
                .allow("io.raftkv.testkit")
                .check();
    }
}
