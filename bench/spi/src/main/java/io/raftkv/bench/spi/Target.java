package io.raftkv.bench.spi;

import java.util.concurrent.CompletionStage;

/**
 * One system under test, as the load generator sees it. Both RaftKV and etcd implement this, so
 * both see the same operations from the same workload and load code.
 *
 * <p>Contract: every method is non-blocking and thread-safe; the returned stage completes exactly
 * once, normally on success or exceptionally with a {@link TargetCallException} naming the gRPC
 * status code. A stage may complete on any thread (typically the client library's event loop), so
 * whoever continues from it must not block. Key and value arrays are never modified by the caller
 * after the call, and never by the target.
 */
public interface Target extends AutoCloseable {
    /** Writes {@code key = value} durably (acknowledged only once committed by the system). */
    CompletionStage<Void> put(byte[] key, byte[] value);

    /** Reads {@code key} with {@code mode}; an absent key is a success. */
    CompletionStage<Void> get(byte[] key, ReadMode mode);

    /** Whether {@link #get} accepts {@code mode}; an unsupported mode fails with UNIMPLEMENTED. */
    boolean supports(ReadMode mode);

    /** A one-line description (system, client library and version, connections) for reports. */
    String describe();

    /** Closes every connection; blocks until done. Never call it on a client event loop. */
    @Override
    void close();
}
