package io.raftkv.node.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.driver.ReadConsistency;
import io.raftkv.node.driver.SnapshotDownload;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.Revisions;
import io.raftkv.node.storage.KvStateMachine;
import io.raftkv.raft.StateType;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The compactor on a clock the test moves and ticks the test runs: it proposes an ordinary Compact
 * only as the ready leader, one at a time, and goes on after a failed proposal.
 */
class AutoCompactorTest {
    private static final long S = 1_000_000_000L;

    private Vertx vertx;
    private Context context;
    private final AtomicLong clock = new AtomicLong();
    private final ScriptedNode node = new ScriptedNode();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private void tick(AutoCompactor c) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(v -> {
            c.tick();
            context.runOnContext(w -> done.complete(null)); // after the proposal's completion hop
        });
        done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void proposesCompactAsLeaderOnlyAndCountsAppliedOnes() throws Exception {
        AutoCompactor c = new AutoCompactor(
                vertx,
                context,
                node,
                () -> node.revisions,
                CompactionPolicy.periodic(Duration.ofSeconds(10)),
                registry,
                clock::get,
                false);
        node.leader = false;
        for (int i = 0; i <= 10; i++) {
            clock.set(i * S);
            node.revisions = new Revisions(10 + i * 10, 0);
            tick(c);
        }
        assertThat(node.proposed).as("a follower samples but never proposes").isEmpty();
        node.leader = true;
        clock.set(11 * S);
        node.revisions = new Revisions(120, 0);
        tick(c);
        // the newest revision sampled at least 10 s ago (at 1 s: 20)
        assertThat(node.proposed).containsExactly(20L);
        assertThat(node.revisions.compacted()).isEqualTo(20);
        assertThat(registry.counter("raftkv.mvcc.auto.compactions").count()).isEqualTo(1.0);

        // a failed proposal (leadership lost on the way) is counted and tried again later
        node.failNext = true;
        for (int i = 12; i <= 21; i++) {
            clock.set(i * S);
            node.revisions = new Revisions(node.revisions.current() + 10, node.revisions.compacted());
            tick(c);
        }
        assertThat(registry.counter("raftkv.mvcc.auto.compaction.failures").count())
                .isEqualTo(1.0);
        clock.set(22 * S);
        tick(c);
        assertThat(node.proposed).hasSize(3);
        assertThat(node.revisions.compacted()).isEqualTo(130); // sampled at 12 s
        assertThat(registry.counter("raftkv.mvcc.auto.compactions").count()).isEqualTo(2.0);
        c.close();
    }

    @Test
    void oneProposalAtATime() throws Exception {
        AutoCompactor c = new AutoCompactor(
                vertx, context, node, () -> node.revisions, CompactionPolicy.revision(5), registry, clock::get, false);
        node.hold = true;
        node.revisions = new Revisions(100, 0);
        tick(c);
        clock.set(Duration.ofSeconds(30).toNanos());
        tick(c);
        assertThat(node.proposed).as("the first is still in flight").containsExactly(95L);
        node.release();
        tick(c);
        assertThat(node.revisions.compacted()).isEqualTo(95);

        // a proposal that is never answered blocks the next ones only for a bounded time
        node.hold = true;
        node.revisions = new Revisions(200, 95);
        clock.set(CompactionPolicy.REVISION_INTERVAL.toNanos() * 4);
        tick(c);
        assertThat(node.proposed).containsExactly(95L, 195L);
        clock.addAndGet(Duration.ofSeconds(30).toNanos());
        tick(c);
        assertThat(node.proposed).hasSize(2);
        clock.addAndGet(Duration.ofSeconds(31).toNanos());
        tick(c);
        assertThat(node.proposed).containsExactly(95L, 195L, 195L);
        c.close();
    }

    /** A leader (or not) whose proposals of Compact apply to {@link #revisions} as the store would. */
    private static final class ScriptedNode implements RaftNodeApi {
        volatile boolean leader = true;
        volatile boolean failNext;
        volatile boolean hold;
        volatile Revisions revisions = Revisions.INITIAL;
        final List<Long> proposed = new ArrayList<>();
        private Promise<ApplyResult> held;
        private long heldAt;

        @Override
        public synchronized Future<ApplyResult> propose(byte[] command) {
            long at = ((Command.Compact) CommandCodec.decode(command).operation()).revision();
            proposed.add(at);
            if (failNext) {
                failNext = false;
                return Future.failedFuture(new IllegalStateException("not leader any more"));
            }
            if (hold) {
                held = Promise.promise();
                heldAt = at;
                return held.future();
            }
            return Future.succeededFuture(apply(at));
        }

        synchronized void release() {
            hold = false;
            held.complete(apply(heldAt));
        }

        private ApplyResult apply(long at) {
            revisions = new Revisions(revisions.current(), at);
            return new ApplyResult(
                    1, revisions.current(), ApplyResult.Status.APPLIED, false, null, null, List.of(), null);
        }

        @Override
        public Future<Void> readBarrier(ReadConsistency consistency) {
            return Future.succeededFuture();
        }

        @Override
        public NodeStatus status() {
            return new NodeStatus(
                    1,
                    leader ? StateType.LEADER : StateType.FOLLOWER,
                    false,
                    3,
                    leader ? 1 : 2,
                    "",
                    10,
                    10,
                    1,
                    10,
                    0,
                    List.of(),
                    List.of(),
                    true,
                    true);
        }

        @Override
        public boolean healthy() {
            return true;
        }

        @Override
        public Future<Long> addLearner(long idOrZero, String peerAddress, String clientAddress) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<Void> promote(long id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<Void> remove(long id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<Void> transferLeadership(long idOrZero) {
            throw new UnsupportedOperationException();
        }

        @Override
        public KvStateMachine stateMachine() {
            return null;
        }

        @Override
        public Future<SnapshotDownload> openSnapshotDownload() {
            throw new UnsupportedOperationException();
        }
    }
}
