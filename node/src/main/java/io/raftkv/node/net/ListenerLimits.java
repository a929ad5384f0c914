package io.raftkv.node.net;

import java.time.Duration;
import java.util.Objects;

/**
 * Connection admission of one listener ({@link ConnectionGuard}) and its idle timeout.
 *
 * @param maxConnections      open connections at most; more are closed at once
 * @param maxPerAddress       open connections from one IP address at most (0: no cap)
 * @param firstRequestTimeout a connection whose first request is not complete by then is closed
 *                            (a slowloris trickling its headers, or a socket that says nothing)
 * @param idleTimeout         a connection with no traffic for this long is closed
 */
public record ListenerLimits(
        int maxConnections, int maxPerAddress, Duration firstRequestTimeout, Duration idleTimeout) {

    public ListenerLimits {
        Objects.requireNonNull(firstRequestTimeout, "firstRequestTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
    }

    /** The client port: 4,096 connections, 512 per address, 10 s to a first request, 5 min idle. */
    public static ListenerLimits clientDefaults() {
        return new ListenerLimits(4_096, 512, Duration.ofSeconds(10), Duration.ofMinutes(5));
    }

    /**
     * The peer port: 64 connections, 16 per address (a member keeps one; test clusters and proxies
     * put every member on one address), 10 s to a first request, 2 min idle (members send
     * heartbeats every 50 ms, so only dead connections go idle).
     */
    public static ListenerLimits peerDefaults() {
        return new ListenerLimits(64, 16, Duration.ofSeconds(10), Duration.ofMinutes(2));
    }

    /**
     * The probe port (kubelet and Prometheus only): 64 connections, 16 per address, 10 s to a
     * first request, 60 s idle.
     */
    public static ListenerLimits probeDefaults() {
        return new ListenerLimits(64, 16, Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    /** @throws IllegalArgumentException naming the first field out of range */
    public ListenerLimits validate() {
        if (maxConnections < 1 || maxPerAddress < 0) {
            throw new IllegalArgumentException(
                    "max connections must be ≥ 1 and per address ≥ 0, got " + maxConnections + " and " + maxPerAddress);
        }
        if (firstRequestTimeout.toMillis() < 1 || idleTimeout.toSeconds() < 1) {
            throw new IllegalArgumentException("first-request timeout must be ≥ 1 ms and idle timeout ≥ 1 s, got "
                    + firstRequestTimeout + " and " + idleTimeout);
        }
        return this;
    }

    /** The guard for a listener named {@code listener}. */
    public ConnectionGuard guard(io.vertx.core.Vertx vertx, String listener) {
        return new ConnectionGuard(vertx, listener, maxConnections, maxPerAddress, firstRequestTimeout, idleTimeout);
    }
}
