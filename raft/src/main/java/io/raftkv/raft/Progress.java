package io.raftkv.raft;

/**
 * What the leader knows about one member's log (etcd's {@code tracker.Progress}), and the flow
 * control state that decides when to send it more.
 *
 * <p>Invariants: {@code 0 ≤ match < next}. {@code match} is durable on the member (a follower
 * acknowledges only persisted entries; the leader's own match moves only when its driver reports
 * a write durable), so counting matches is counting durable copies.
 *
 * <ul>
 *   <li>{@link ProgressState#PROBE}: the match is unknown; at most one append is outstanding
 *       ({@link #flowPaused} until the member answers or a heartbeat response comes back).</li>
 *   <li>{@link ProgressState#REPLICATE}: appends are pipelined optimistically ({@code next} moves
 *       on send); {@link #inflights} bounds the window.</li>
 *   <li>{@link ProgressState#SNAPSHOT}: a snapshot at {@link #pendingSnapshot} is being sent;
 *       appends pause until the driver reports the outcome or the member acknowledges.</li>
 * </ul>
 */
final class Progress {
    long match;
    long next;
    ProgressState state = ProgressState.PROBE;
    /** Index of the snapshot being sent in {@link ProgressState#SNAPSHOT}, else 0. */
    long pendingSnapshot;
    /** Heard from since the last check-quorum round (the leader itself always is). */
    boolean recentActive;
    /** No more appends until something changes (probe outstanding, or inflights full). */
    boolean flowPaused;

    boolean learner;
    final Inflights inflights;

    Progress(long next, int maxInflight, boolean learner) {
        this.next = next;
        this.inflights = new Inflights(maxInflight);
        this.learner = learner;
    }

    private void resetState(ProgressState newState) {
        flowPaused = false;
        pendingSnapshot = 0;
        state = newState;
        inflights.reset();
    }

    /** Back to probing: used after a rejection, an unreachable report or a snapshot outcome. */
    void becomeProbe() {
        if (state == ProgressState.SNAPSHOT) {
            long snapshotIndex = pendingSnapshot;
            resetState(ProgressState.PROBE);
            next = Math.max(match + 1, snapshotIndex + 1);
        } else {
            resetState(ProgressState.PROBE);
            next = match + 1;
        }
    }

    void becomeReplicate() {
        resetState(ProgressState.REPLICATE);
        next = match + 1;
    }

    void becomeSnapshot(long snapshotIndex) {
        resetState(ProgressState.SNAPSHOT);
        pendingSnapshot = snapshotIndex;
        next = snapshotIndex + 1;
    }

    /**
     * The member acknowledged {@code index}.
     *
     * @return whether {@code match} moved (a stale or duplicate acknowledgement returns false)
     */
    boolean maybeUpdate(long index) {
        boolean updated = false;
        if (match < index) {
            match = index;
            updated = true;
            flowPaused = false;
        }
        next = Math.max(next, index + 1);
        return updated;
    }

    /**
     * Records that an append carrying {@code entryCount} entries was sent: in REPLICATE, {@code next}
     * moves past them and the window fills; in PROBE, further appends wait for the answer.
     */
    void sentEntries(int entryCount) {
        if (state == ProgressState.REPLICATE) {
            if (entryCount > 0) {
                next += entryCount;
                inflights.add(next - 1);
            }
            flowPaused = inflights.full();
        } else if (state == ProgressState.PROBE) {
            flowPaused = true;
        } else {
            throw new IllegalStateException("sending entries in state " + state);
        }
    }

    /**
     * The member rejected an append whose preceding entry was {@code rejected}; {@code matchHint}
     * is the highest index that may still match (from the member's fast-backtracking hint).
     *
     * @return whether {@code next} moved (false for a stale rejection)
     */
    boolean maybeDecrTo(long rejected, long matchHint) {
        if (state == ProgressState.REPLICATE) {
            // Rejections of indices we know match come from reordered, outdated messages.
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        // In PROBE only the latest probe (at next - 1) is meaningful.
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
        flowPaused = false;
        return true;
    }

    /** Whether the leader must not send this member entries now. */
    boolean isPaused() {
        return switch (state) {
            case PROBE, REPLICATE -> flowPaused;
            case SNAPSHOT -> true;
        };
    }

    FollowerProgress view() {
        return new FollowerProgress(match, next, state, learner, recentActive, inflights.count());
    }

    @Override
    public String toString() {
        return state + " match=" + match + " next=" + next + (learner ? " learner" : "")
                + (pendingSnapshot > 0 ? " pendingSnap=" + pendingSnapshot : "")
                + (flowPaused ? " paused" : "") + " inflight=" + inflights.count();
    }
}
