package io.raftkv.node.security;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail: one JSON object per line on the logger {@code raftkv.audit}, for every admin
 * call (with its final gRPC status) and every authentication or authorization failure. Fields:
 * {@code time}, {@code user} ("" when unauthenticated), {@code auth} (certificate, token or none),
 * {@code peer} (the client's address), {@code method}, {@code outcome} (the gRPC status name) and
 * {@code reason}. Never a token or any other secret.
 */
public final class AuditLog {
    private static final Logger AUDIT = LoggerFactory.getLogger("raftkv.audit");

    /** Writes one audit line. */
    public void record(Caller caller, String peer, String method, String outcome, String reason) {
        AUDIT.info(new JsonObject()
                .put("time", Instant.now().toString())
                .put("user", caller == null ? "" : caller.user())
                .put("auth", caller == null ? "none" : caller.how())
                .put("peer", peer)
                .put("method", method)
                .put("outcome", outcome)
                .put("reason", reason == null ? "" : reason)
                .encode());
    }

    /** Who made a call and how they proved it: {@code how} is certificate or token. */
    public record Caller(String user, String how) {}
}
