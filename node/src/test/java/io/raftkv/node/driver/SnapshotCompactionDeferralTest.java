package io.raftkv.node.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.node.transport.SnapshotSource;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader does not compact its log while a snapshot is being sent: the follower receiving it
 * needs the entries right after it (else a long transfer under writes ends in yet another snapshot,
 * for ever — seen with a 1 GiB state); the compaction happens again once the send is closed, and
 * after {@link SnapshotCoordinator#MAX_DEFERRED_COMPACTIONS} put off in a row regardless.
 */
class SnapshotCompactionDeferralTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Vertx vertx;
    private NodeStorage storage;
    private SnapshotCoordinator snapshots;
    private Context context;
    private long nextIndex = 1;

    @BeforeEach
    void open() {
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
        storage = NodeStorage.open(
                dir, StorageOptions.defaults().withSnapshotThresholdEntries(10).withLogEntriesRetainedAfterSnapshot(0));
        snapshots = new SnapshotCoordinator(vertx, context, storage, storage.raftLog());
    }

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
        storage.close();
    }

    @Test
    void noCompactionWhileASnapshotIsBeingSent() throws Exception {
        SnapshotMetadata first = applyAndSnapshot(10);
        assertThat(storage.raftLog().firstIndex())
                .as("compacted up to the first snapshot")
                .isGreaterThan(1);
        long firstIndexWhileSending = storage.raftLog().firstIndex();

        SnapshotSource.OutgoingSnapshot sent = snapshots.open(first);
        applyAndSnapshot(10);
        applyAndSnapshot(10);
        assertThat(storage.raftLog().firstIndex())
                .as("the entries after the snapshot being sent are kept")
                .isEqualTo(firstIndexWhileSending)
                .isLessThanOrEqualTo(first.index() + 1);

        sent.close();
        sent.close(); // idempotent
        SnapshotMetadata after = applyAndSnapshot(10);
        await("compaction once the send is over")
                .atMost(WAIT)
                .until(() -> storage.raftLog().firstIndex() > first.index() + 1);
        assertThat(storage.raftLog().firstIndex()).isLessThanOrEqualTo(after.index() + 1);
    }

    @Test
    void aSendThatNeverEndsPutsOffOnlyBoundedlyManyCompactions() throws Exception {
        SnapshotMetadata first = applyAndSnapshot(10);
        long firstIndex = storage.raftLog().firstIndex();
        try (SnapshotSource.OutgoingSnapshot stuck = snapshots.open(first)) {
            for (int i = 0; i < SnapshotCoordinator.MAX_DEFERRED_COMPACTIONS; i++) {
                applyAndSnapshot(10);
            }
            assertThat(storage.raftLog().firstIndex()).isEqualTo(firstIndex);
            SnapshotMetadata last = applyAndSnapshot(10);
            await("a compaction after " + SnapshotCoordinator.MAX_DEFERRED_COMPACTIONS + " put off")
                    .atMost(WAIT)
                    .until(() -> storage.raftLog().firstIndex() > first.index() + 1);
            assertThat(storage.raftLog().firstIndex()).isLessThanOrEqualTo(last.index() + 1);
        }
    }

    /** Applies {@code n} puts (persisted in the log first) and takes the snapshot that follows. */
    private SnapshotMetadata applyAndSnapshot(int n) throws Exception {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long index = nextIndex++;
            byte[] key = ("k" + index).getBytes(StandardCharsets.UTF_8);
            entries.add(new Entry(
                    1, index, EntryType.NORMAL, CommandCodec.encode(Command.of(new Command.Put(key, key, 0)))));
        }
        long last = entries.get(entries.size() - 1).index();
        storage.raftLog().persist(new HardState(1, 1, last), entries, null).join();
        storage.stateMachine().apply(entries, Map.of()).join();
        long before = snapshots.latestIndex();
        onContext(() -> {
            snapshots.maybeSnapshot(last);
            return null;
        });
        // done once the driver context ran the completion: the compaction (or not) is decided there
        await("a snapshot at index " + last)
                .atMost(WAIT)
                .until(() -> !onContext(snapshots::creating) && snapshots.latestIndex() > before);
        return storage.snapshots().latest().orElseThrow();
    }

    private <T> T onContext(java.util.concurrent.Callable<T> action) throws Exception {
        java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                f.complete(action.call());
            } catch (Exception e) {
                f.completeExceptionally(e);
            }
        });
        return f.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
}
