package io.raftkv.raft;

/**
 * Describes a snapshot: the state machine after applying every entry up to and including
 * {@code index} (whose term is {@code term}), under configuration {@code confState}.
 */
public record SnapshotMetadata(long index, long term, ConfState confState) {
    public static final SnapshotMetadata EMPTY = new SnapshotMetadata(0, 0, ConfState.EMPTY);

    public boolean isEmpty() {
        return index == 0;
    }
}
