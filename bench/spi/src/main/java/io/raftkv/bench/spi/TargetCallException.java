package io.raftkv.bench.spi;

/**
 * A benchmark call that failed, classified by its gRPC status code name ({@code UNAVAILABLE},
 * {@code DEADLINE_EXCEEDED}, ...). Targets translate their client library's failures into this
 * type so that the load generator can count errors by code without knowing either library.
 */
public final class TargetCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public TargetCallException(String code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("code must be a gRPC status code name");
        }
        this.code = code;
    }

    /** The gRPC status code name, e.g. {@code UNAVAILABLE}. */
    public String code() {
        return code;
    }
}
