package io.raftkv.api.recipes;

/** The session's lease expired, was revoked, or could not be renewed: its lock or leadership is gone. */
public final class LeaseLostException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LeaseLostException(String message) {
        super(message);
    }
}
