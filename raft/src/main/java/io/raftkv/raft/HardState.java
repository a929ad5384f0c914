package io.raftkv.raft;

/**
 * The state that must be durable before the node answers any message that depends on it.
 *
 * @param term   the current term (Raft §5.1), never decreases
 * @param vote   the candidate voted for in {@code term}, or {@link Raft#NONE}
 * @param commit highest index known committed; may lag but never decreases
 */
public record HardState(long term, long vote, long commit) {
    public static final HardState EMPTY = new HardState(0, 0, 0);

    public boolean isEmpty() {
        return this.equals(EMPTY);
    }
}
