package io.raftkv.e2e;

import io.raftkv.e2e.history.Operation;
import io.raftkv.raft.arch.PackageRules;
import org.junit.jupiter.api.Test;

/**
 * The e2e module's package rules (what {@link PackageRules} checks; each package's package-info.java
 * says the same in words): the history format and the proxies depend on nothing, the checker on the
 * history only, the faults on the proxies only, so chaos, the tests and the checker command line can
 * each take the piece they need. A new package needs a row here.
 */
class E2eArchitectureTest {
    @Test
    void packagesDependOnlyOnWhatTheirRowAllows() {
        PackageRules.of("E2eArchitectureTest", Operation.class)
                .allow("io.raftkv.e2e.history")
                .allow("io.raftkv.e2e.proxy")
                .allow("io.raftkv.e2e.faults", "io.raftkv.e2e.proxy")
                .allow("io.raftkv.e2e.linearizability", "io.raftkv.e2e.history")
                .check();
    }
}
