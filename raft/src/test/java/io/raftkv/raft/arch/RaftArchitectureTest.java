package io.raftkv.raft.arch;

import io.raftkv.raft.Raft;
import org.junit.jupiter.api.Test;

/**
 * The consensus core's package rules (see {@link PackageRules} for what is checked): the core depends
 * on no other RaftKV package, and the Ready loop on the core only, so the node and the simulator can
 * both drive the same loop and the core stays free of I/O.
 */
class RaftArchitectureTest {
    @Test
    void packagesDependOnlyOnWhatTheirRowAllows() {
        PackageRules.of("RaftArchitectureTest", Raft.class)
                .allow("io.raftkv.raft")
                .allow("io.raftkv.raft.loop", "io.raftkv.raft")
                .check();
    }
}
