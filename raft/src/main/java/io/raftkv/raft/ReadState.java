package io.raftkv.raft;

/**
 * A read request that became safe: once the local applied index reaches {@code index}, a read of
 * the state machine reflects every write acknowledged before the request began (ReadIndex, §6.4).
 *
 * @param index      commit index at the time the leader confirmed its leadership
 * @param requestCtx the context the caller passed to {@link RawNode#readIndex(byte[])}
 */
public record ReadState(long index, byte[] requestCtx) {}
