package io.raftkv.node.driver;

import io.raftkv.node.storage.KvStateMachine;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.RaftLogStorage;
import io.raftkv.node.storage.SnapshotReader;
import io.raftkv.node.storage.SnapshotStore;
import io.raftkv.node.storage.SnapshotWriter;
import io.raftkv.node.transport.SnapshotSink;
import io.raftkv.node.transport.SnapshotSource;
import io.raftkv.raft.Message;
import io.raftkv.raft.SnapshotMetadata;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's side of snapshots:
 * <ul>
 *   <li><b>Taking them</b>: after applies, once storage says so ({@link NodeStorage#shouldSnapshot()}:
 *       enough entries applied past the latest snapshot), takes one (a RocksDB checkpoint on the apply
 *       thread) and then compacts the log, keeping some entries below it for slow followers — never
 *       past a durable snapshot, because the state machine is written without fsync and re-applies
 *       from the log after a crash. <b>Not while a snapshot is being sent</b> (as etcd): the follower
 *       receiving it needs the entries right after it, and compacting them during a long transfer
 *       (a large state, a steady write load) would make it need yet another snapshot when it is
 *       done, and so on for ever; at most {@value #MAX_DEFERRED_COMPACTIONS} compactions in a row are
 *       put off, so a follower whose transfers keep failing does not let the log grow without bound.</li>
 *   <li><b>Sending</b> ({@link SnapshotSource}): opens the snapshot the core's SNAP names.</li>
 *   <li><b>Receiving</b> ({@link SnapshotSink}): refuses a snapshot not newer than the local applied
 *       state, else receives into the store; the swap happens when the log records it (the core's
 *       Ready carries the snapshot, the driver persists it).</li>
 * </ul>
 */
public final class SnapshotCoordinator implements SnapshotSource, SnapshotSink {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotCoordinator.class);

    private final Vertx vertx;
    private final Context context;
    private final RaftLogStorage raftLog;
    private final KvStateMachine stateMachine;
    private final NodeStorage storage;
    private final SnapshotStore store;
    /** Compactions put off in a row while snapshots were being sent; then one happens regardless. */
    static final int MAX_DEFERRED_COMPACTIONS = 8;

    /** Driver context only: a snapshot is being taken. */
    private boolean creating;
    /** Driver context only: compactions put off since the last one. */
    private int deferredCompactions;
    /** Snapshots opened for a follower and not yet closed (worker threads). */
    private final AtomicInteger sending = new AtomicInteger();

    private volatile CreatedObserver createdObserver = (bytes, nanos, ok) -> {};

    /** Sees every snapshot this node takes for log compaction (for metrics); must not block. */
    @FunctionalInterface
    public interface CreatedObserver {
        /**
         * @param streamBytes size of the snapshot as it would be streamed to a follower (0 on failure)
         * @param nanos       time the checkpoint took
         * @param succeeded   whether a snapshot was taken
         */
        void onCreated(long streamBytes, long nanos, boolean succeeded);
    }

    SnapshotCoordinator(Vertx vertx, Context context, NodeStorage storage, RaftLogStorage raftLog) {
        this.vertx = vertx;
        this.context = context;
        this.raftLog = raftLog;
        this.stateMachine = storage.stateMachine();
        this.storage = storage;
        this.store = storage.snapshots();
    }

    /** Installs the observer of snapshots taken for compaction (null: none). */
    public void setCreatedObserver(CreatedObserver observer) {
        this.createdObserver = observer == null ? (bytes, nanos, ok) -> {} : observer;
    }

    /** Driver context: whether a snapshot is being taken (its compaction is decided when this turns false). */
    boolean creating() {
        return creating;
    }

    /** Index of the latest complete snapshot, 0 if none. */
    long latestIndex() {
        return store.latest().map(SnapshotMetadata::index).orElse(0L);
    }

    /** Driver context: takes a snapshot if enough was applied since the last one. */
    void maybeSnapshot(long appliedIndex) {
        if (creating || !storage.shouldSnapshot()) {
            return;
        }
        creating = true;
        long started = System.nanoTime();
        store.create()
                .whenComplete((m, err) -> context.runOnContext(v -> {
                    creating = false;
                    long tookNanos = System.nanoTime() - started;
                    if (err != null) {
                        LOG.warn("taking a snapshot failed: {}", err.toString());
                        createdObserver.onCreated(0, tookNanos, false);
                        return;
                    }
                    reportCreated(m, tookNanos);
                    int inFlight = sending.get();
                    if (inFlight > 0 && deferredCompactions < MAX_DEFERRED_COMPACTIONS) {
                        deferredCompactions++;
                        LOG.info(
                                "snapshot at index {} term {} taken in {} ms; log compaction put off ({} in a row):"
                                        + " {} snapshot(s) being sent to followers, which need the entries after them",
                                m.index(),
                                m.term(),
                                tookNanos / 1_000_000,
                                deferredCompactions,
                                inFlight);
                        return;
                    }
                    deferredCompactions = 0;
                    LOG.info(
                            "snapshot at index {} term {} taken in {} ms; compacting the log",
                            m.index(),
                            m.term(),
                            (System.nanoTime() - started) / 1_000_000);
                    try {
                        storage.compactAfter(m).whenComplete((x, cerr) -> {
                            if (cerr != null) {
                                LOG.warn("log compaction after snapshot {} failed: {}", m.index(), cerr.toString());
                            }
                        });
                    } catch (IllegalArgumentException e) {
                        LOG.warn("log compaction after snapshot {} refused: {}", m.index(), e.getMessage());
                    }
                }));
    }

    /** Reads the new snapshot's stream size on a worker (opening it touches files), then reports it. */
    private void reportCreated(SnapshotMetadata m, long tookNanos) {
        vertx.executeBlocking(
                        () -> {
                            try (SnapshotReader r = store.openReader(m)) {
                                return r.totalBytes();
                            }
                        },
                        false)
                .onComplete(ar -> createdObserver.onCreated(ar.succeeded() ? ar.result() : 0, tookNanos, true));
    }

    /**
     * Makes sure a member that starts empty must begin from a snapshot. The initial voters are
     * bootstrapped into storage, not written as log entries, so a new member replicating the log
     * from index 1 would never learn them; a snapshot carries the configuration. Hence, before the
     * first member is added, the leader takes a snapshot and drops at least entry 1 from its log
     * (driver context).
     */
    Future<Void> ensureLogStartsAfterBootstrap() {
        if (raftLog.firstIndex() > 1) {
            return Future.succeededFuture();
        }
        Promise<Void> done = Promise.promise();
        store.create()
                .whenComplete((m, err) -> context.runOnContext(v -> {
                    if (err != null) {
                        done.fail(new UnavailableException(
                                "cannot take the snapshot a new member starts from: " + err.getMessage(), err));
                        return;
                    }
                    if (raftLog.firstIndex() > 1) {
                        done.complete();
                        return;
                    }
                    try {
                        raftLog.compact(1)
                                .whenComplete((x, cerr) -> context.runOnContext(y -> {
                                    if (cerr != null) {
                                        done.fail(new UnavailableException(
                                                "log compaction failed: " + cerr.getMessage(), cerr));
                                    } else {
                                        done.complete();
                                    }
                                }));
                    } catch (IllegalArgumentException e) {
                        done.fail(new UnavailableException("cannot compact the log yet: " + e.getMessage()));
                    }
                }));
        return done.future();
    }

    /** A consistent snapshot at (or after) the current applied index, opened for a backup download. */
    Future<SnapshotDownload> openDownload() {
        Promise<SnapshotMetadata> created = Promise.promise();
        store.create().whenComplete((m, err) -> {
            if (err != null) {
                created.fail(new UnavailableException("cannot take a snapshot: " + err.getMessage(), err));
            } else {
                created.complete(m);
            }
        });
        return created.future()
                .compose(m -> vertx.executeBlocking(
                        () -> {
                            long revision;
                            try {
                                revision = store.revisionOf(m).get(10, java.util.concurrent.TimeUnit.SECONDS);
                            } catch (java.util.concurrent.ExecutionException
                                    | java.util.concurrent.TimeoutException e) {
                                revision = 0; // not worth failing a backup for: reported as unknown
                            }
                            SnapshotReader reader = store.openReader(m);
                            return new SnapshotDownload(m, reader.format(), reader, revision);
                        },
                        false));
    }

    // ------------------------------------------------------------------ SnapshotSource (worker)

    @Override
    public OutgoingSnapshot open(SnapshotMetadata metadata) throws IOException {
        SnapshotReader reader;
        try {
            reader = store.openReader(metadata);
        } catch (IllegalArgumentException e) {
            throw new IOException("snapshot " + metadata.index() + " is not available: " + e.getMessage(), e);
        }
        sending.incrementAndGet();
        AtomicBoolean closed = new AtomicBoolean();
        return new OutgoingSnapshot() {
            @Override
            public String format() {
                return reader.format();
            }

            @Override
            public long totalBytes() {
                return reader.totalBytes();
            }

            @Override
            public byte[] nextChunk() {
                return reader.hasNext() ? reader.next().bytes() : null;
            }

            @Override
            public void close() {
                if (closed.compareAndSet(false, true)) {
                    sending.decrementAndGet();
                }
                reader.close();
            }
        };
    }

    // ------------------------------------------------------------------ SnapshotSink (worker)

    @Override
    public long usableBytes() {
        return store.usableBytesForInstall();
    }

    @Override
    public IncomingSnapshot begin(Message snap, String format, long totalBytes) throws IOException {
        SnapshotMetadata m = snap.snapshot().metadata();
        long applied = stateMachine.appliedIndex();
        if (m.index() <= applied) {
            throw new IllegalStateException(
                    "snapshot at index " + m.index() + " is not newer than this node's" + " applied index " + applied);
        }
        SnapshotWriter writer = store.beginInstall(m);
        return new IncomingSnapshot() {
            @Override
            public void write(long offset, byte[] data) throws IOException {
                writer.write(offset, data);
            }

            @Override
            public void finish(long total, int crc32c) throws IOException {
                writer.finish(total, crc32c);
            }

            @Override
            public void abort() {
                writer.abort();
            }
        };
    }
}
