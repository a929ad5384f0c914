package io.raftkv.node.server;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.storage.KvStateMachine;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A real storage whose proposals are persisted and applied at once, each at the next log index
 * (the single-node path of the driver): what {@link FakeRaftNode#onPropose} calls in tests that
 * need a real state machine behind the client port.
 */
final class SingleNodeLog implements AutoCloseable {
    private final NodeStorage storage;
    private long nextIndex = 1;

    SingleNodeLog(Path dir) {
        this.storage = NodeStorage.open(dir, StorageOptions.defaults());
    }

    KvStateMachine stateMachine() {
        return storage.stateMachine();
    }

    /** Persists and applies {@code c}; answers its apply result. */
    synchronized Future<ApplyResult> apply(Command c) {
        Entry e = new Entry(1, nextIndex++, EntryType.NORMAL, CommandCodec.encode(c));
        storage.raftLog()
                .persist(new HardState(1, 1, e.index()), List.of(e), null)
                .join();
        return Future.succeededFuture(
                storage.stateMachine().apply(List.of(e), Map.of()).join().get(0));
    }

    @Override
    public void close() {
        storage.close();
    }
}
