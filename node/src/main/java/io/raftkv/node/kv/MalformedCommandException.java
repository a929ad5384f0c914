package io.raftkv.node.kv;

/** Bytes that do not decode to a {@link Command}; the message says where and why. */
public final class MalformedCommandException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public MalformedCommandException(String message) {
        super(message);
    }
}
