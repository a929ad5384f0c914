package io.raftkv.e2e.history;

/**
 * The kinds of client operation a history records. The wire names ({@link #wireName()}) are part
 * of the stable history format documented in {@code docs/testing.md}; never rename them.
 */
public enum OpKind {
    /** Unconditional write of {@code value}. */
    PUT("put"),
    /** Read; {@code value} is what was read, {@code null} when the key was absent. */
    GET("get"),
    /** Removes the key; {@code value} is always {@code null}. */
    DELETE("delete"),
    /**
     * Compare-and-set: if the key currently holds {@code expected} ({@code null} = absent), set it
     * to {@code value}. {@code ok=false} (with {@code unknown=false}) means the comparison failed.
     */
    CAS("cas");

    private final String wireName;

    OpKind(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in the JSON-lines history ({@code "put"}, {@code "get"}, ...). */
    public String wireName() {
        return wireName;
    }

    /**
     * Parses a wire name.
     *
     * @throws IllegalArgumentException naming the accepted values if {@code name} is not one
     */
    public static OpKind fromWireName(String name) {
        for (OpKind kind : values()) {
            if (kind.wireName.equals(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown op \"" + name + "\": expected one of put, get, delete, cas");
    }

    /** Whether an operation of this kind can change the register (put, delete, cas). */
    public boolean mayWrite() {
        return this != GET;
    }
}
