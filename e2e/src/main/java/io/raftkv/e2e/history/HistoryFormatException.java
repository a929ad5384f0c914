package io.raftkv.e2e.history;

/** A history line that does not follow the format of {@code docs/testing.md}; the message says where and why. */
public final class HistoryFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public HistoryFormatException(String message) {
        super(message);
    }

    public HistoryFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
