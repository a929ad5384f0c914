package io.raftkv.e2e.proxy;

import java.util.Objects;

/**
 * What a {@link FaultProxy} does to the bytes of one directed link.
 *
 * <p>Peer traffic is gRPC over HTTP/2 over TCP, so faults are TCP-shaped: a proxy never corrupts,
 * drops or reorders bytes inside a connection (HTTP/2 would just fail the connection on a broken
 * frame, which tests nothing). Instead:
 * <ul>
 *   <li>{@link Connectivity#RESET}: existing connections are reset (RST) and new ones are accepted
 *       and reset at once — a link that fails fast, like a refused port;
 *   <li>{@link Connectivity#BLACKHOLE}: bytes stop moving in both directions and new connections
 *       hang — a partition as TCP sees it; when healed the stalled bytes flow on, as TCP
 *       retransmission would deliver them, unless the peer gave up (deadline, keepalive) first;
 *   <li>{@code delayMs ± jitterMs}: every chunk is held for the delay plus a uniform random jitter in
 *       {@code [0, jitterMs]}, order preserved (TCP never reorders);
 *   <li>{@code lossShare}: a chunk is "lost" with this probability, which on TCP means it arrives
 *       {@code retransmitDelayMs} late (a retransmission timeout) and holds up everything behind it;
 *   <li>{@code resetShare}: with this probability per chunk the whole connection is reset, and a
 *       new connection is refused — connection-level loss, which makes the gRPC client reconnect.
 * </ul>
 *
 * @param connectivity      OPEN, RESET or BLACKHOLE
 * @param delayMs           fixed one-way delay added to every chunk
 * @param jitterMs          extra uniform random delay in [0, jitterMs]
 * @param lossShare         probability in [0, 1] that a chunk needs a retransmission
 * @param retransmitDelayMs delay a lost chunk suffers
 * @param resetShare        probability in [0, 1] per chunk (and per new connection) of a reset
 */
public record LinkBehavior(
        Connectivity connectivity,
        long delayMs,
        long jitterMs,
        double lossShare,
        long retransmitDelayMs,
        double resetShare) {

    /** Whether bytes can flow at all. */
    public enum Connectivity {
        OPEN,
        RESET,
        BLACKHOLE
    }

    /** A healthy link. */
    public static final LinkBehavior PASS = new LinkBehavior(Connectivity.OPEN, 0, 0, 0, 0, 0);

    public LinkBehavior {
        Objects.requireNonNull(connectivity, "connectivity");
        requireNonNegative("delayMs", delayMs);
        requireNonNegative("jitterMs", jitterMs);
        requireNonNegative("retransmitDelayMs", retransmitDelayMs);
        requireShare("lossShare", lossShare);
        requireShare("resetShare", resetShare);
    }

    /** Fails fast: resets existing connections and refuses new ones. */
    public static LinkBehavior cut() {
        return new LinkBehavior(Connectivity.RESET, 0, 0, 0, 0, 0);
    }

    /** Silently stalls all bytes, like a partition that drops every packet. */
    public static LinkBehavior blackhole() {
        return new LinkBehavior(Connectivity.BLACKHOLE, 0, 0, 0, 0, 0);
    }

    /** Adds {@code delayMs} plus up to {@code jitterMs} to every chunk. */
    public static LinkBehavior delayed(long delayMs, long jitterMs) {
        return new LinkBehavior(Connectivity.OPEN, delayMs, jitterMs, 0, 0, 0);
    }

    /** Each chunk is lost with probability {@code lossShare} and retransmitted {@code retransmitDelayMs} later. */
    public static LinkBehavior lossy(double lossShare, long retransmitDelayMs) {
        return new LinkBehavior(Connectivity.OPEN, 0, 0, lossShare, retransmitDelayMs, 0);
    }

    /** Each chunk resets its connection with probability {@code resetShare}. */
    public static LinkBehavior resetting(double resetShare) {
        return new LinkBehavior(Connectivity.OPEN, 0, 0, 0, 0, resetShare);
    }

    public boolean isOpen() {
        return connectivity == Connectivity.OPEN;
    }

    private static void requireNonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }

    private static void requireShare(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + value);
        }
    }
}
