package io.raftkv.node.k8s;

import static io.raftkv.node.k8s.ClusterStatusReportTest.POD;
import static io.raftkv.node.k8s.ClusterStatusReportTest.status;
import static io.raftkv.node.k8s.ClusterStatusReportTest.threeMembersAndALearner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.k8s.ClusterResource.ClusterResourceException;
import io.raftkv.raft.StateType;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClusterStatusReporterTest {
    private static final ClusterStatusReporter.Options NO_RATE_LIMIT = new ClusterStatusReporter.Options(0, 100, 1_000);

    /** In-memory API object: records patches, can block, fail, or lose a race. */
    static final class RecordingResource implements ClusterResource {
        final List<ClusterStatusReport> patched = new CopyOnWriteArrayList<>();
        final ConcurrentLinkedQueue<RuntimeException> failures = new ConcurrentLinkedQueue<>();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicInteger reads = new AtomicInteger();
        volatile long storedTerm;
        volatile int conflictsToReport;
        volatile CountDownLatch entered = new CountDownLatch(0);
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Override
        public ObservedClusterStatus readStatus() {
            reads.incrementAndGet();
            RuntimeException f = failures.poll();
            if (f != null) {
                throw f;
            }
            return new ObservedClusterStatus("rv" + patched.size(), storedTerm, "", Set.of());
        }

        @Override
        public boolean patchStatus(String resourceVersion, ClusterStatusReport report) {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                entered.countDown();
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new AssertionError("gate never opened");
                }
                if (conflictsToReport > 0) {
                    conflictsToReport--;
                    return false;
                }
                patched.add(report);
                storedTerm = report.term();
                return true;
            } catch (InterruptedException e) {
                throw new ClusterResourceException("interrupted", true, e);
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    private final RecordingResource api = new RecordingResource();
    private final List<Long> sleptMs = new CopyOnWriteArrayList<>();
    private final long seed = new SplittableRandom().nextLong();
    private ClusterStatusReporter reporter;

    private ClusterStatusReporter start(ClusterStatusReporter.Options options) {
        System.out.println("ClusterStatusReporterTest jitter seed " + seed);
        reporter = new ClusterStatusReporter(POD, api, options, sleptMs::add, seed).start();
        return reporter;
    }

    @AfterEach
    void stop() {
        if (reporter != null) {
            reporter.close();
        }
    }

    private static NodeStatus leader(long term, long commit) {
        return status(StateType.LEADER, term, commit, threeMembersAndALearner());
    }

    private static NodeStatus follower(long term, long commit) {
        return status(StateType.FOLLOWER, term, commit, threeMembersAndALearner());
    }

    @Test
    void onlyTheLeaderWrites() {
        start(NO_RATE_LIMIT);
        reporter.offer(follower(4, 10));
        reporter.offer(leader(5, 11));
        await().atMost(Duration.ofSeconds(10)).until(() -> api.patched.size() == 1);
        reporter.offer(follower(6, 12));
        reporter.offer(status(StateType.CANDIDATE, 7, 12, threeMembersAndALearner()));
        reporter.offer(leader(8, 13));
        await().atMost(Duration.ofSeconds(10)).until(() -> api.patched.size() == 2);
        assertThat(api.patched).extracting(ClusterStatusReport::term).containsExactly(5L, 8L);
        assertThat(api.patched).allSatisfy(r -> assertThat(r.leader()).isEqualTo("orders-1"));
    }

    @Test
    void coalescesToTheLatestStateWithOneRequestInFlight() throws Exception {
        api.entered = new CountDownLatch(1);
        api.gate = new CountDownLatch(1);
        start(NO_RATE_LIMIT);
        reporter.offer(leader(1, 1));
        assertThat(api.entered.await(10, TimeUnit.SECONDS)).isTrue(); // the first patch is in flight, blocked
        for (long term = 2; term <= 50; term++) {
            reporter.offer(leader(term, term));
        }
        api.gate.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> api.patched.size() == 2);
        assertThat(api.patched).extracting(ClusterStatusReport::term).containsExactly(1L, 50L);
        assertThat(api.maxInFlight.get()).isEqualTo(1);
    }

    @Test
    void aStaleLeaderDoesNotOverwriteANewerTerm() {
        api.storedTerm = 9;
        start(NO_RATE_LIMIT);
        reporter.offer(leader(7, 100));
        await().atMost(Duration.ofSeconds(10)).until(() -> reporter.droppedStaleCount() == 1);
        assertThat(api.patched).isEmpty();
        reporter.offer(leader(10, 101));
        await().atMost(Duration.ofSeconds(10)).until(() -> api.patched.size() == 1);
        assertThat(api.patched.get(0).term()).isEqualTo(10);
    }

    @Test
    void aConflictRereadsAndPatchesAgain() {
        api.conflictsToReport = 2;
        start(NO_RATE_LIMIT);
        reporter.offer(leader(3, 5));
        await().atMost(Duration.ofSeconds(10)).until(() -> reporter.writtenCount() == 1);
        assertThat(api.reads.get()).isEqualTo(3);
        assertThat(api.patched).hasSize(1);
        assertThat(reporter.failureCount()).isZero();
    }

    @Test
    void failuresBackOffExponentiallyThenSucceed() {
        for (int i = 0; i < 4; i++) {
            api.failures.add(new ClusterResourceException("HTTP 503", true, null));
        }
        start(new ClusterStatusReporter.Options(0, 100, 1_000));
        reporter.offer(leader(3, 5));
        await().atMost(Duration.ofSeconds(10)).until(() -> reporter.writtenCount() == 1);
        assertThat(reporter.failureCount()).isEqualTo(4);
        assertThat(sleptMs).hasSize(4);
        assertThat(sleptMs.get(0)).as("seed %d", seed).isBetween(50L, 100L);
        assertThat(sleptMs.get(1)).as("seed %d", seed).isBetween(100L, 200L);
        assertThat(sleptMs.get(2)).as("seed %d", seed).isBetween(200L, 400L);
        assertThat(sleptMs.get(3)).as("seed %d", seed).isBetween(400L, 800L);
        assertThat(api.patched).extracting(ClusterStatusReport::term).containsExactly(3L);
    }

    @Test
    void aCommitIndexChangeAloneWaitsForTheIntervalButAMembershipChangeGoesAtOnce() {
        start(new ClusterStatusReporter.Options(TimeUnit.HOURS.toMillis(1), 100, 1_000));
        reporter.offer(leader(3, 10));
        await().atMost(Duration.ofSeconds(10)).until(() -> api.patched.size() == 1);
        reporter.offer(leader(3, 11)); // only the commit index moved: held back for an hour
        List<NodeStatus.Member> grown = new java.util.ArrayList<>(threeMembersAndALearner());
        grown.set(3, new NodeStatus.Member(4294967311L, false, "orders-3.orders-peers.prod.svc:9091", ""));
        reporter.offer(status(StateType.LEADER, 3, 12, grown)); // the learner was promoted
        await().atMost(Duration.ofSeconds(10)).until(() -> api.patched.size() == 2);
        assertThat(api.patched.get(1).commitIndex()).isEqualTo(12);
        assertThat(api.patched.get(1).members().get(3).role()).isEqualTo("Voter");
        assertThat(api.patched).extracting(ClusterStatusReport::commitIndex).doesNotContain(11L);
    }
}
