package io.raftkv.chaos.workload;

import io.raftkv.api.v1.ReadConsistency;
import java.time.Duration;
import java.util.Objects;

/**
 * How a workload behaves.
 *
 * @param clients           concurrent clients, each with at most one operation in flight (at least 1)
 * @param activeKeys        keys in use at once (see {@link KeySpace})
 * @param maxOpsPerKey      operations per key before it is retired
 * @param mix               shares of get / put / cas / delete
 * @param readConsistency   consistency of the workload's gets (the final reads are always linearizable)
 * @param readsFromAnyNode  send each get to a random member instead of the leader: with SERIALIZABLE
 *                          this is how followers serve (possibly stale) reads
 * @param responseDropShare share of successful writes whose response the client drops on purpose
 *                          and retries with the same session sequence (0 = off): the node must
 *                          answer the retry from its session table, not apply it again
 * @param opDeadline        deadline of one operation, retries included; past it the outcome is unknown
 * @param attemptTimeout    bound of one attempt (so a paused node costs this, not the whole deadline)
 */
public record WorkloadOptions(
        int clients,
        int activeKeys,
        int maxOpsPerKey,
        OpMix mix,
        ReadConsistency readConsistency,
        boolean readsFromAnyNode,
        double responseDropShare,
        Duration opDeadline,
        Duration attemptTimeout) {

    public WorkloadOptions {
        if (clients < 1) {
            throw new IllegalArgumentException("clients must be >= 1, got " + clients);
        }
        Objects.requireNonNull(mix, "mix");
        Objects.requireNonNull(readConsistency, "readConsistency");
        if (!(responseDropShare >= 0 && responseDropShare < 1)) {
            throw new IllegalArgumentException("responseDropShare must be in [0, 1), got " + responseDropShare);
        }
        requirePositive("opDeadline", opDeadline);
        requirePositive("attemptTimeout", attemptTimeout);
        // KeySpace validates activeKeys and maxOpsPerKey.
    }

    /**
     * The chaos default: 8 clients on 4 active keys of at most 1,000 operations each, linearizable
     * reads from the leader, 5 % of acknowledged writes retried on purpose, 5 s per operation.
     */
    public static WorkloadOptions defaults() {
        return new WorkloadOptions(
                8,
                4,
                1000,
                OpMix.DEFAULT,
                ReadConsistency.LINEARIZABLE,
                false,
                0.05,
                Duration.ofSeconds(5),
                Duration.ofSeconds(1));
    }

    public WorkloadOptions withReads(ReadConsistency consistency, boolean fromAnyNode) {
        return new WorkloadOptions(
                clients,
                activeKeys,
                maxOpsPerKey,
                mix,
                consistency,
                fromAnyNode,
                responseDropShare,
                opDeadline,
                attemptTimeout);
    }

    public WorkloadOptions withResponseDropShare(double share) {
        return new WorkloadOptions(
                clients,
                activeKeys,
                maxOpsPerKey,
                mix,
                readConsistency,
                readsFromAnyNode,
                share,
                opDeadline,
                attemptTimeout);
    }

    private static void requirePositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
