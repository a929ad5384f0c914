package io.raftkv.raft.sim;

/**
 * Base of the safety checkers. Each checker is a small class that verifies one property,
 * incrementally, from observations the simulator feeds it after every step; a checker keeps only
 * what that property needs. Every observation it evaluates counts as one check.
 */
abstract class Checker {
    private final String name;
    private long checks;

    protected Checker(String name) {
        this.name = name;
    }

    final String name() {
        return name;
    }

    /** Observations evaluated so far. */
    final long checks() {
        return checks;
    }

    /** Counts one evaluated observation. */
    protected final void checked() {
        checks++;
    }

    /** Fails with a message naming this checker's property. */
    protected final SafetyViolation violation(String format, Object... args) {
        return new SafetyViolation(name, String.format(format, args));
    }
}
