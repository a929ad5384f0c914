/**
 * One node's durable state ({@link NodeStorage}) under one data directory ({@link StorageLayout}):
 * the Raft log in its own RocksDB instance ({@link RaftLogStorage}, the core's {@code Storage},
 * written only by the {@link GroupCommitWriter} thread, with its in-memory {@link LogView}); the
 * replicated key-value state machine ({@link KvStateMachine}, whose deterministic part is the
 * {@link CommandApplier}), which implements the contract of {@link io.raftkv.node.kv} (the commands
 * it applies, what they return, its reads) and stores what that contract names in its own records
 * ({@link StateRecords}, {@link MvccRecords}, {@link AlarmRecord});
 * snapshots ({@link SnapshotStore}, {@link SnapshotReader}, {@link SnapshotWriter},
 * {@link SnapshotStreamFormat}); the framing and checksums of every record
 * ({@link ChecksummedRecord}, {@link RaftRecords}, {@link StateRecords}); and the start-up checks
 * that refuse a corrupted directory ({@link StartupCheck}, {@link StorageCheck}).
 *
 * <p>Depends on the consensus core's types ({@code io.raftkv.raft}), the state machine's contract
 * ({@link io.raftkv.node.kv}) and RocksDB; on no other package of the node. Checked by {@code NodeArchitectureTest}.
 */
package io.raftkv.node.storage;
