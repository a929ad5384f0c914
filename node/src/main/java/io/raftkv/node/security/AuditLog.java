package io.raftkv.node.security;

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
        StringBuilder b = new StringBuilder(192).append('{');
        field(b, "time", Instant.now().toString()).append(',');
        field(b, "user", caller == null ? "" : caller.user()).append(',');
        field(b, "auth", caller == null ? "none" : caller.how()).append(',');
        field(b, "peer", peer).append(',');
        field(b, "method", method).append(',');
        field(b, "outcome", outcome).append(',');
        field(b, "reason", reason == null ? "" : reason).append('}');
        AUDIT.info(b.toString());
    }

    private static StringBuilder field(StringBuilder b, String name, String value) {
        b.append('"').append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"');
    }

    /** Who made a call and how they proved it: {@code how} is certificate or token. */
    public record Caller(String user, String how) {
    }
}
