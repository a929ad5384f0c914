package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;

/** Group commit folds waiting requests into one synced batch; the error latch never lets go. */
class GroupCommitWriterTest {
    @TempDir
    Path dir;

    private RocksInstance db;
    private GroupCommitWriter writer;
    private final AtomicBoolean latchCallback = new AtomicBoolean();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch writerBlocked = new CountDownLatch(1);

    @BeforeEach
    void open() throws RocksDBException {
        db = RocksInstance.open(dir, RaftLogStorage.FAMILIES, false, true);
        writer = new GroupCommitWriter(db.db, "test", 4, 1024, () -> latchCallback.set(true));
    }

    @AfterEach
    void close() {
        release.countDown();
        writer.close();
        db.close();
    }

    private GroupCommitWriter.BatchFiller put(long index) {
        return b -> b.put(db.cf(RaftLogStorage.LOG_CF), RaftRecords.indexKey(index), new byte[] {1});
    }

    /** A request whose batch cannot be built until {@link #release} opens: holds the writer. */
    private CompletableFuture<Void> blockWriter() throws InterruptedException {
        CompletableFuture<Void> f = writer.submit(
                        b -> {
                            writerBlocked.countDown();
                            try {
                                release.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        0)
                .durable();
        assertThat(writerBlocked.await(10, TimeUnit.SECONDS)).isTrue();
        return f;
    }

    @Test
    void requestsWaitingTogetherShareOneFsync() throws Exception {
        CompletableFuture<Void> first = blockWriter();
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            waiting.add(writer.submit(put(i), 1).durable());
        }
        assertThat(waiting).noneMatch(CompletableFuture::isDone);
        release.countDown();
        CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(first).isDone();
        WriterStats stats = writer.stats();
        assertThat(stats.fsyncs()).isEqualTo(2);
        assertThat(stats.requests()).isEqualTo(5);
        assertThat(stats.entriesPerFsync()).isEqualTo(2.0);
        assertThat(writer.completedSeq()).isEqualTo(5);
        assertThat(db.db.get(db.cf(RaftLogStorage.LOG_CF), RaftRecords.indexKey(4)))
                .containsExactly(1);
    }

    @Test
    void aFullQueueFailsFastWithoutTrippingTheLatch() throws Exception {
        blockWriter();
        List<CompletableFuture<Void>> queued = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            queued.add(writer.submit(put(i), 1).durable());
        }
        GroupCommitWriter.Submitted refused = writer.submit(put(5), 1);
        assertThat(refused.seq()).isNegative();
        assertThatThrownBy(() -> refused.durable().join()).hasCauseInstanceOf(StorageBackpressureException.class);
        release.countDown();
        CompletableFuture.allOf(queued.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        writer.submit(put(6), 1).durable().get(10, TimeUnit.SECONDS);
        assertThat(writer.failed()).isFalse();
    }

    @Test
    void afterTheFirstErrorEverythingQueuedAndLaterFailsAndNothingIsAcknowledged() throws Exception {
        CompletableFuture<Void> before = blockWriter();
        CompletableFuture<Void> failing = writer.submit(
                        b -> {
                            throw new RocksDBException("injected: No space left on device");
                        },
                        1)
                .durable();
        CompletableFuture<Void> sameBatch = writer.submit(put(1), 1).durable();
        release.countDown();
        before.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(StorageFailedException.class)
                .hasRootCauseMessage("injected: No space left on device");
        assertThatThrownBy(() -> sameBatch.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StorageFailedException.class);
        assertThat(db.db.get(db.cf(RaftLogStorage.LOG_CF), RaftRecords.indexKey(1)))
                .as("not written")
                .isNull();
        assertThat(writer.failed()).isTrue();
        assertThat(latchCallback).isTrue();
        assertThat(writer.stats().failed()).isTrue();
        CompletableFuture<Void> later = writer.submit(put(2), 1).durable();
        assertThat(later).isCompletedExceptionally();
        assertThatThrownBy(later::join)
                .hasCauseInstanceOf(StorageFailedException.class)
                .hasMessageContaining("has failed earlier");
    }

    @Test
    void closeWritesWhatIsQueuedAndRefusesMore() throws Exception {
        CompletableFuture<Void> queued = writer.submit(put(1), 1).durable();
        writer.close();
        assertThat(queued).isCompleted();
        assertThat(writer.submit(put(2), 1).durable()).isCompletedExceptionally();
    }

    @Test
    void latencyHistogramReportsBucketUpperBounds() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < 99; i++) {
            h.recordMicros(100);
        }
        h.recordMicros(10_000);
        assertThat(h.count()).isEqualTo(100);
        assertThat(h.quantileMicros(0.5)).isBetween(100L, 120L);
        assertThat(h.quantileMicros(1.0)).isBetween(10_000L, 12_000L);
        assertThat(new LatencyHistogram().quantileMicros(0.99)).isZero();
    }
}
