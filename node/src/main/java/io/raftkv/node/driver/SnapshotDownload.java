package io.raftkv.node.driver;

import io.raftkv.node.storage.SnapshotReader;
import io.raftkv.raft.SnapshotMetadata;

/**
 * A consistent, durable snapshot opened for a backup download ({@code Cluster.Snapshot}). The
 * caller streams {@link #reader()} off the event loop (its reads block on disk) and must close it.
 *
 * @param metadata index, term and configuration the snapshot captures
 * @param format   data format name and version, e.g. {@code raftkv-checkpoint/1}
 * @param reader   the chunked, checksummed data
 * @param revision the store revision of the snapshot's state, or 0 when unknown
 */
public record SnapshotDownload(SnapshotMetadata metadata, String format, SnapshotReader reader, long revision) {}
