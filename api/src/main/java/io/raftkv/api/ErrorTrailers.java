package io.raftkv.api;

import io.raftkv.api.v1.CallError;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;
import java.nio.charset.StandardCharsets;

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
    /** The gRPC status message header. */
    public static final String GRPC_MESSAGE = "grpc-message";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private ErrorTrailers() {}

    /**
     * Ends a server call with the status, message and trailers of {@code error}. Other throwables
     * end the call with INTERNAL and their message (never their stack trace).
     *
     * @return completes when the reply has been written (fails if the stream was already gone)
     */
    public static Future<Void> fail(GrpcServerResponse<?, ?> response, Throwable error) {
        RaftKvException e = asRaftKvException(error);
        MultiMap trailers = response.trailers();
        e.reason().ifPresent(r -> trailers.set(REASON, r.name()));
        if (e.isNotLeader()) {
            trailers.set(LEADER_ID, Long.toUnsignedString(e.leaderId()));
            trailers.set(LEADER_ADDRESS, e.leaderAddress());
        }
        response.status(e.status());
        if (e.getMessage() != null) {
            // Set here, percent-encoded as the gRPC spec says, instead of through statusMessage():
            // Vert.x would URL-encode it (", " as "%2C+"), which other clients show as it is.
            trailers.set(GRPC_MESSAGE, percentEncode(e.getMessage()));
        }
        try {
            return response.end();
        } catch (IllegalStateException streamGone) {
            // The client cancelled the call or its deadline passed while we worked: the stream is
            // already failed and nobody is left to receive the error. Not a server fault.
            return Future.failedFuture(streamGone);
        }
    }

    /**
     * {@code message} as a {@value #GRPC_MESSAGE} value, per the gRPC over HTTP/2 spec
     * (PROTOCOL-HTTP2.md, "Percent-Encoded"): the UTF-8 bytes outside printable ASCII
     * (0x20-0x7E), and {@code %}, as {@code %XX}; everything else as it is, so a reader of raw
     * headers and every conforming client see the same text. {@code +} is encoded too (allowed: a
     * decoder decodes any {@code %XX}), because Vert.x's client decodes the value as a URL
     * component, where {@code +} would turn into a space.
     */
    public static String percentEncode(String message) {
        byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(utf8.length);
        for (byte b : utf8) {
            int c = b & 0xFF;
            if (c >= 0x20 && c <= 0x7E && c != '%' && c != '+') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }

    /**
     * Rebuilds the error a server sent (client side).
     *
     * @param headers  response headers (hold the metadata of a trailers-only reply); may be null
     * @param trailers response trailers; may be null
     */
    public static RaftKvException decode(GrpcStatus status, String message, MultiMap headers, MultiMap trailers) {
        String reasonValue = lookup(REASON, trailers, headers);
        ErrorReason reason = ErrorReason.fromTrailer(reasonValue)
                .filter(r -> r.status() == status)
                .orElse(null);
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
        return received(status, message, reason, leaderId, leaderAddress);
    }

    /**
     * The in-band form of {@code error} for a pipelined call ({@code KV.Pipeline}): the same status,
     * message, reason and leader hint that {@link #fail} puts in a unary call's status and trailers.
     */
    public static CallError toCallError(Throwable error) {
        RaftKvException e = asRaftKvException(error);
        CallError.Builder b = CallError.newBuilder().setCode(e.status().code);
        if (e.getMessage() != null) {
            b.setMessage(e.getMessage());
        }
        e.reason().ifPresent(r -> b.setReason(r.name()));
        if (e.isNotLeader()) {
            b.setLeaderId(e.leaderId()).setLeaderAddress(e.leaderAddress());
        }
        return b.build();
    }

    /**
     * Rebuilds the error of a pipelined call (client side), as {@link #decode} does for a unary one.
     * A code that is not a failure (0, or unknown to this client) becomes UNKNOWN.
     */
    public static RaftKvException decode(CallError error) {
        GrpcStatus status = GrpcStatus.valueOf(error.getCode());
        if (status == null || status == GrpcStatus.OK) {
            status = GrpcStatus.UNKNOWN;
        }
        GrpcStatus s = status;
        ErrorReason reason = ErrorReason.fromTrailer(error.getReason())
                .filter(r -> r.status() == s)
                .orElse(null);
        boolean notLeader = reason == ErrorReason.NOT_LEADER;
        return received(
                status,
                error.getMessage(),
                reason,
                notLeader ? error.getLeaderId() : 0,
                notLeader ? error.getLeaderAddress() : "");
    }

    private static RaftKvException received(
            GrpcStatus status, String message, ErrorReason reason, long leaderId, String leaderAddress) {
        String text = message == null || message.isEmpty() ? status.name() : message;
        return RaftKvException.received(status, text, reason, leaderId, leaderAddress);
    }

    /** {@code error} itself when it is a {@link RaftKvException}, else INTERNAL with its message. */
    private static RaftKvException asRaftKvException(Throwable error) {
        return error instanceof RaftKvException k
                ? k
                : RaftKvException.of(GrpcStatus.INTERNAL, String.valueOf(error.getMessage()));
    }

    private static String lookup(String key, MultiMap trailers, MultiMap headers) {
        String v = trailers == null ? null : trailers.get(key);
        if (v == null && headers != null) {
            v = headers.get(key);
        }
        return v;
    }
}
