package io.raftkv.raft.sim;

/**
 * A checker found a history that breaks a Raft property (or the Ready contract). The simulator
 * catches it and prefixes the seed and the replay command.
 */
final class SafetyViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String checker;

    SafetyViolation(String checker, String message) {
        super(checker + ": " + message);
        this.checker = checker;
    }

    /** Name of the checker (property) that was violated. */
    String checker() {
        return checker;
    }
}
