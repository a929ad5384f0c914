package io.raftkv.cli;

import io.raftkv.api.recipes.LeaseSession;

/**
 * While open, revokes a {@link LeaseSession}'s lease if the JVM is stopped (Ctrl-C, SIGTERM), so
 * {@code raftkvctl lock} and {@code elect} give the lock or leadership up at once instead of
 * leaving it to the lease's TTL. Closing it (the command ended normally; the session is closed by
 * its own try) removes the hook.
 */
final class RevokeOnExit implements AutoCloseable {
    private final Thread hook;

    private RevokeOnExit(Thread hook) {
        this.hook = hook;
    }

    static RevokeOnExit register(LeaseSession session) {
        Thread hook = new Thread(
                () -> {
                    try {
                        session.close();
                    } catch (RuntimeException e) {
                        System.err.println("raftkvctl: could not revoke lease " + LeaseCommand.hex(session.leaseId())
                                + " on exit (it expires by its TTL): " + e.getMessage());
                    }
                },
                "raftkvctl-revoke-on-exit");
        Runtime.getRuntime().addShutdownHook(hook);
        return new RevokeOnExit(hook);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or ran: it revokes the lease
        }
    }
}
