package io.raftkv.raft;

/**
 * A snapshot as the core sees it. {@code data} is opaque to the core: tests put the whole state
 * machine in it; the real node leaves it empty and streams a RocksDB checkpoint instead, keyed by
 * the metadata.
 */
public record Snapshot(SnapshotMetadata metadata, byte[] data) {
    public static final Snapshot EMPTY = new Snapshot(SnapshotMetadata.EMPTY, new byte[0]);

    public Snapshot {
        if (data == null) {
            data = new byte[0];
        }
    }

    public boolean isEmpty() {
        return metadata.isEmpty();
    }
}
