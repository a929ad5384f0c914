package io.raftkv.bench.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How to reach a system under test.
 *
 * @param endpoints   client addresses as {@code host:port}, at least one
 * @param connections independent client connections to open (each a separate HTTP/2 connection
 *                    per member); concurrent operations are spread over them round-robin
 * @param deadline    deadline of every call, retries included; a call still open then fails with
 *                    DEADLINE_EXCEEDED
 * @param tls         TLS towards the system (a real handshake on every connection), or null for plaintext
 */
public record TargetOptions(List<String> endpoints, int connections, Duration deadline, Tls tls) {
    /**
     * PEM files of a TLS client: the CA that signed the servers' certificates, and the client's own
     * certificate and key (PKCS#8) that the servers verify (mutual TLS).
     */
    public record Tls(Path caFile, Path certFile, Path keyFile) {
        public Tls {
            if (caFile == null || certFile == null || keyFile == null) {
                throw new IllegalArgumentException("TLS needs a CA file, a certificate file and a key file");
            }
        }
    }

    /** Plaintext. */
    public TargetOptions(List<String> endpoints, int connections, Duration deadline) {
        this(endpoints, connections, deadline, null);
    }

    /** These options with {@code tls} (null: plaintext). */
    public TargetOptions withTls(Tls tls) {
        return new TargetOptions(endpoints, connections, deadline, tls);
    }

    /** The largest connection count accepted; each connection costs sockets and buffers on both sides. */
    public static final int MAX_CONNECTIONS = 1_000;

    public TargetOptions {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint is required");
        }
        for (String e : endpoints) {
            int colon = e.lastIndexOf(':');
            if (colon <= 0 || colon == e.length() - 1) {
                throw new IllegalArgumentException("endpoint '" + e + "' is not host:port");
            }
        }
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException(
                    "connections must be in [1, " + MAX_CONNECTIONS + "], got " + connections);
        }
        if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + deadline);
        }
    }
}
