package io.raftkv.node.kv;

/**
 * A digest of the state machine and the applied index it describes, both read from one RocksDB
 * snapshot, so they always belong together: two replicas whose {@code appliedIndex} is equal must
 * report equal {@code hash}es; a difference at equal indexes means a replica diverged.
 *
 * @param appliedIndex the last log index reflected in the hashed state
 * @param hash         first 8 bytes of the SHA-256 (see {@link KvStateMachine#stateHash()})
 */
public record StateHash(long appliedIndex, long hash) {}
