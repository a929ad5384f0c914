package io.raftkv.raft.sim;

import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import java.util.Collection;
import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The simulated network: a bounded set of messages in flight, each due at a virtual tick. It drops,
 * duplicates, delays and reorders messages at the rates of its {@link Faults}, and cuts links
 * between the sides of a partition (checked both when a message is sent and when it would arrive).
 * Delivery order among messages due at the same tick is random, so nothing is FIFO.
 */
final class SimNetwork {
    /** Messages in flight beyond this are dropped (counted as drops): every queue is bounded. */
    static final int MAX_IN_FLIGHT = 20_000;

    /** Per-message fault rates; {@code minDelayTicks ≥ 1} so a tick always ends. */
    record Faults(
            double dropRate,
            double duplicateRate,
            double reorderRate,
            int minDelayTicks,
            int maxDelayTicks,
            int reorderDelayTicks) {
        Faults {
            if (minDelayTicks < 1 || maxDelayTicks < minDelayTicks || reorderDelayTicks < 0) {
                throw new IllegalArgumentException(
                        "bad delays: min " + minDelayTicks + " max " + maxDelayTicks + " reorder " + reorderDelayTicks);
            }
            if (dropRate < 0
                    || dropRate >= 1
                    || duplicateRate < 0
                    || duplicateRate >= 1
                    || reorderRate < 0
                    || reorderRate >= 1) {
                throw new IllegalArgumentException("rates must be in [0, 1)");
            }
        }

        /** No loss, no duplication, short delays: the network after healing. */
        static final Faults RELIABLE = new Faults(0, 0, 0, 1, 2, 0);
    }

    private record InFlight(long dueTick, long order, Message message) implements Comparable<InFlight> {
        @Override
        public int compareTo(InFlight o) {
            int c = Long.compare(dueTick, o.dueTick);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    private final PriorityQueue<InFlight> inFlight = new PriorityQueue<>();
    private final Set<Long> cutLinks = new HashSet<>();
    private final SplittableRandom rnd;
    private final SimStats stats;
    private Faults faults;
    private long sent;
    private long delivered;

    SimNetwork(SplittableRandom rnd, SimStats stats, Faults faults) {
        this.rnd = rnd;
        this.stats = stats;
        this.faults = faults;
    }

    void setFaults(Faults faults) {
        this.faults = faults;
    }

    /**
     * Puts {@code m} on the wire at tick {@code now}.
     *
     * @return false if the link is cut (the sender's driver would see the failure)
     */
    boolean send(Message m, long now) {
        sent++;
        if (!connected(m.from(), m.to())) {
            stats.fault(FaultKind.MSG_PARTITIONED);
            return false;
        }
        if (m.type() == MessageType.SNAP) {
            // A snapshot is streamed: it arrives whole or its transfer fails, never twice.
            enqueue(m, now);
            return true;
        }
        if (faults.dropRate() > 0 && rnd.nextDouble() < faults.dropRate()) {
            stats.fault(FaultKind.MSG_DROP);
            return true;
        }
        enqueue(m, now);
        if (faults.duplicateRate() > 0 && rnd.nextDouble() < faults.duplicateRate()) {
            stats.fault(FaultKind.MSG_DUPLICATE);
            enqueue(m, now);
        }
        return true;
    }

    private void enqueue(Message m, long now) {
        if (inFlight.size() >= MAX_IN_FLIGHT) {
            stats.fault(FaultKind.MSG_DROP);
            return;
        }
        long delay = faults.minDelayTicks() + rnd.nextInt(faults.maxDelayTicks() - faults.minDelayTicks() + 1);
        if (faults.reorderRate() > 0 && rnd.nextDouble() < faults.reorderRate()) {
            stats.fault(FaultKind.MSG_REORDER);
            delay += 1 + rnd.nextInt(Math.max(1, faults.reorderDelayTicks()));
        }
        inFlight.add(new InFlight(now + delay, rnd.nextLong(), m));
    }

    /**
     * The next message due at or before {@code now}, or null. The caller checks
     * {@link #connected} (a link may have been cut while the message was in flight).
     */
    Message pollDue(long now) {
        if (!inFlight.isEmpty() && inFlight.peek().dueTick <= now) {
            delivered++;
            return inFlight.poll().message;
        }
        return null;
    }

    int inFlight() {
        return inFlight.size();
    }

    long sent() {
        return sent;
    }

    /** Messages that reached their due tick (delivered or then found partitioned). */
    long delivered() {
        return delivered;
    }

    /** Cuts every link between a node of {@code a} and a node of {@code b} (both directions). */
    void cut(Collection<Long> a, Collection<Long> b) {
        for (long x : a) {
            for (long y : b) {
                if (x != y) {
                    cutLinks.add(linkKey(x, y));
                }
            }
        }
    }

    /** Restores every link. */
    void heal() {
        cutLinks.clear();
    }

    boolean isPartitioned() {
        return !cutLinks.isEmpty();
    }

    boolean connected(long a, long b) {
        return cutLinks.isEmpty() || !cutLinks.contains(linkKey(a, b));
    }

    private static long linkKey(long a, long b) {
        return (Math.min(a, b) << 32) | Math.max(a, b);
    }
}
