package io.raftkv.api;

import io.vertx.core.MultiMap;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;

/**
 * How RaftKV errors travel in gRPC metadata, for both ends of the wire (docs/api.md, "Errors").
 *
 * <p>A failed call carries its gRPC status and message plus up to three trailers:
 * {@value #REASON} (an {@link ErrorReason} name), and for NOT_LEADER {@value #LEADER_ID} (decimal
 * member id, "0" when unknown) and {@value #LEADER_ADDRESS} (the leader's client host:port, empty
 * when unknown). A reply that fails before any message is sent may arrive "trailers-only", with the
 * metadata in the HTTP headers, so {@link #decode} reads trailers first and headers second.
 */
public final class ErrorTrailers {
    /** Trailer with the {@link ErrorReason} name. */
    public static final String REASON = "raftkv-error-reason";
    /** Trailer with the leader's member id (NOT_LEADER). */
    public static final String LEADER_ID = "raftkv-leader-id";
    /** Trailer with the leader's client address host:port (NOT_LEADER). */
    public static final String LEADER_ADDRESS = "raftkv-leader-address";

    private ErrorTrailers() {
    }

    /**
     * Ends a server call with the status, message and trailers of {@code error}. Other throwables
     * end the call with INTERNAL and their message (never their stack trace).
     */
    public static void fail(GrpcServerResponse<?, ?> response, Throwable error) {
        RaftKvException e = error instanceof RaftKvException k ? k
                : RaftKvException.of(GrpcStatus.INTERNAL, String.valueOf(error.getMessage()));
        MultiMap trailers = response.trailers();
        e.reason().ifPresent(r -> trailers.set(REASON, r.name()));
        if (e.isNotLeader()) {
            trailers.set(LEADER_ID, Long.toUnsignedString(e.leaderId()));
            trailers.set(LEADER_ADDRESS, e.leaderAddress());
        }
        response.status(e.status());
        if (e.getMessage() != null) {
            response.statusMessage(e.getMessage());
        }
        try {
            response.end();
        } catch (IllegalStateException streamGone) {
            // The client cancelled the call or its deadline passed while we worked: the stream is
            // already failed and nobody is left to receive the error. Not a server fault.
        }
    }

    /**
     * Rebuilds the error a server sent (client side).
     *
     * @param headers  response headers (hold the metadata of a trailers-only reply); may be null
     * @param trailers response trailers; may be null
     */
    public static RaftKvException decode(GrpcStatus status, String message, MultiMap headers, MultiMap trailers) {
        String reasonValue = lookup(REASON, trailers, headers);
        ErrorReason reason = ErrorReason.fromTrailer(reasonValue).filter(r -> r.status() == status).orElse(null);
        long leaderId = 0;
        String leaderAddress = "";
        if (reason == ErrorReason.NOT_LEADER) {
            String id = lookup(LEADER_ID, trailers, headers);
            try {
                leaderId = id == null || id.isEmpty() ? 0 : Long.parseUnsignedLong(id);
            } catch (NumberFormatException ignored) {
                leaderId = 0; // a malformed hint is no hint; the client falls back to probing
            }
            String address = lookup(LEADER_ADDRESS, trailers, headers);
            leaderAddress = address == null ? "" : address;
        }
        String text = message == null || message.isEmpty() ? status.name() : message;
        return RaftKvException.received(status, text, reason, leaderId, leaderAddress);
    }

    private static String lookup(String key, MultiMap trailers, MultiMap headers) {
        String v = trailers == null ? null : trailers.get(key);
        if (v == null && headers != null) {
            v = headers.get(key);
        }
        return v;
    }
}
