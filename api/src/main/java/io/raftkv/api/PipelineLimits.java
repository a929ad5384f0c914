package io.raftkv.api;

/**
 * Message sizes of the {@code KV.Pipeline} stream that both ends rely on (docs/api.md, "Pipelined
 * calls"). A stream carries many calls per message, so its messages must stay within what the
 * receiver accepts whatever limits the operator set for single calls.
 */
public final class PipelineLimits {
    /** A client writes a request message once its calls reach this size. */
    public static final int REQUEST_BATCH_BYTES = 256 * 1024;
    /** Larger requests are sent as unary calls, never pipelined. */
    public static final int MAX_PIPELINED_REQUEST_BYTES = 64 * 1024;
    /**
     * The largest request message a node accepts on the stream, whatever its own request limit:
     * more than a batch plus one pipelined request, so a client's message is never refused whole.
     */
    public static final int MAX_REQUEST_MESSAGE_BYTES = 1024 * 1024;
    /**
     * A node writes a response message before it would grow past this size, so a message holds at
     * most this much, or a single result that is larger on its own.
     */
    public static final int RESPONSE_BATCH_BYTES = 1024 * 1024;
    /**
     * The least {@code maxMessageBytes} at which the Java client pipelines: a response batch plus
     * the largest single result a node sends by default (a Txn's gets, at most 4 MiB, or a value).
     * Below it every call is unary, so a message too large for the client fails one call, not a
     * stream of them.
     */
    public static final long MIN_CLIENT_MESSAGE_BYTES = 8L * 1024 * 1024;

    private PipelineLimits() {}
}
