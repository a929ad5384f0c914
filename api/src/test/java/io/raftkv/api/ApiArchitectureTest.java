package io.raftkv.api;

import io.raftkv.raft.arch.PackageRules;
import org.junit.jupiter.api.Test;

/**
 * The api module's package rules (what {@link PackageRules} checks; each package's package-info.java
 * says the same in words): the client library and the error types depend on the generated messages and
 * on nothing of the node; the generated packages ({@code io.raftkv.api.v1}, {@code io.raftkv.api.peer.v1})
 * are not hand-written and get no row.
 */
class ApiArchitectureTest {
    @Test
    void packagesDependOnlyOnWhatTheirRowAllows() {
        PackageRules.of("ApiArchitectureTest", RaftKvException.class)
                .allow("io.raftkv.api", "io.raftkv.api.v1")
                .allow("io.raftkv.api.net")
                .allow("io.raftkv.api.client", "io.raftkv.api", "io.raftkv.api.net", "io.raftkv.api.v1")
                // The recipes are built on the public client only.
                .allow("io.raftkv.api.recipes", "io.raftkv.api", "io.raftkv.api.client", "io.raftkv.api.v1")
                .check();
    }
}
