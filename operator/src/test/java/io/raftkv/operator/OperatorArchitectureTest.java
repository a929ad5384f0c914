package io.raftkv.operator;

import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.raft.arch.PackageRules;
import org.junit.jupiter.api.Test;

/**
 * The operator's package rules (what {@link PackageRules} checks; each package's package-info.java
 * says the same in words). The custom resource's types depend on nothing; the dependents may use
 * status and membership, status may read membership's progress, and never the reverse (Events are
 * posted through {@code events}, below all of them). Today two dependencies go the other way and make
 * the status / membership / dependents cycle of issue 25 item 2: they are frozen below with how to
 * retire each, and no new one may land. A new package needs a row here.
 */
class OperatorArchitectureTest {
    @Test
    void packagesDependOnlyOnWhatTheirRowAllows() {
        PackageRules.of("OperatorArchitectureTest", RaftKvOperator.class)
                .allow("io.raftkv.operator", "io.raftkv..")
                .allow("io.raftkv.operator.api.v1alpha1")
                .allow("io.raftkv.operator.http")
                .allow("io.raftkv.operator.events")
                .allow(
                        "io.raftkv.operator.backup",
                        "io.raftkv.operator.api.v1alpha1",
                        "io.raftkv.operator.events",
                        "io.raftkv.operator.dependents",
                        "io.raftkv.operator.security",
                        "io.raftkv.operator.status")
                .allow("io.raftkv.operator.metrics", "io.raftkv.operator.api.v1alpha1")
                .allow(
                        "io.raftkv.operator.dependents",
                        "io.raftkv.operator.api.v1alpha1",
                        "io.raftkv.operator.status",
                        "io.raftkv.operator.membership")
                .allow("io.raftkv.operator.status", "io.raftkv.operator.api.v1alpha1", "io.raftkv.operator.membership")
                .allow(
                        "io.raftkv.operator.membership",
                        "io.raftkv.api.v1",
                        "io.raftkv.operator.api.v1alpha1",
                        "io.raftkv.operator.events")
                .allow(
                        "io.raftkv.operator.recovery",
                        "io.raftkv.api.v1",
                        "io.raftkv.operator.api.v1alpha1",
                        "io.raftkv.operator.events",
                        "io.raftkv.operator.dependents",
                        "io.raftkv.operator.membership",
                        "io.raftkv.operator.status")
                .allow(
                        "io.raftkv.operator.security",
                        "io.raftkv.operator.api.v1alpha1",
                        "io.raftkv.operator.events",
                        "io.raftkv.operator.dependents",
                        "io.raftkv.operator.membership",
                        "io.raftkv.operator.status")
                .freeze(
                        "io.raftkv.operator.status",
                        ClusterObjects.class,
                        "move ClusterObjects (the names of the"
                                + " owned objects) out of dependents into a package below dependents, status and"
                                + " membership, e.g. next to the custom resource's types")
                .freeze(
                        "io.raftkv.operator.membership",
                        ClusterObjects.class,
                        "as for status: move ClusterObjects" + " below membership")
                .check();
    }
}
