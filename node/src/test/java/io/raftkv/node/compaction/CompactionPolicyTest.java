package io.raftkv.node.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The policy on virtual time: what it keeps, how often it compacts, how it parses etcd's flags. */
class CompactionPolicyTest {
    private static final long S = 1_000_000_000L;

    @Test
    void parsesEtcdsFlags() {
        assertThat(CompactionPolicy.parse("periodic", "0").enabled()).isFalse();
        assertThat(CompactionPolicy.parse("revision", "0").enabled()).isFalse();
        assertThat(CompactionPolicy.parseDuration("1")).isEqualTo(Duration.ofHours(1));
        assertThat(CompactionPolicy.parseDuration("0.5")).isEqualTo(Duration.ofMinutes(30));
        assertThat(CompactionPolicy.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(CompactionPolicy.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(CompactionPolicy.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(CompactionPolicy.parse("PERIODIC", "10m").tickInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(CompactionPolicy.parse("periodic", "72h").tickInterval()).isEqualTo(Duration.ofMinutes(6));
        assertThat(CompactionPolicy.parse("revision", "1000").describe())
                .isEqualTo("revision, keeping the last 1000 revisions");
        assertThatThrownBy(() -> CompactionPolicy.parse("hourly", "1"))
                .hasMessageContaining("mode must be periodic or revision, got 'hourly'");
        assertThatThrownBy(() -> CompactionPolicy.parse("revision", "1h"))
                .hasMessageContaining("whole number of revisions, got '1h'");
        assertThatThrownBy(() -> CompactionPolicy.parse("periodic", "1 hour")).hasMessageContaining("got '1 hour'");
        assertThatThrownBy(() -> CompactionPolicy.parse("periodic", "-1")).hasMessageContaining("negative");
        assertThatThrownBy(() -> CompactionPolicy.parse("revision", "-5")).hasMessageContaining("negative");
        assertThatThrownBy(() -> CompactionPolicy.parse("periodic", "1ms")).hasMessageContaining("at least 10ms");
    }

    @Test
    void offNeverCompacts() {
        CompactionPolicy p = CompactionPolicy.off();
        assertThat(p.target(100 * S, 1_000, 0)).isZero();
        assertThat(p.tickInterval()).isZero();
    }

    @Test
    void revisionModeKeepsTheLastRetainRevisionsAndCompactsEveryFiveMinutes() {
        CompactionPolicy p = CompactionPolicy.revision(100);
        long fiveMin = CompactionPolicy.REVISION_INTERVAL.toNanos();
        assertThat(p.target(0, 50, 0)).isZero(); // fewer revisions than the retention
        assertThat(p.target(fiveMin, 150, 0)).isEqualTo(50);
        p.compacted(fiveMin);
        assertThat(p.target(fiveMin + S, 400, 50))
                .as("within five minutes of the last")
                .isZero();
        assertThat(p.target(2 * fiveMin, 400, 50)).isEqualTo(300);
        p.compacted(2 * fiveMin);
        assertThat(p.target(3 * fiveMin, 400, 300)).as("nothing new").isZero();
        assertThat(p.target(4 * fiveMin, 350, 300))
                .as("compacted further by hand")
                .isZero();
    }

    /**
     * Periodic mode against a model: random write rates on a virtual clock, a tick every tenth of the
     * retention; every compaction it asks for is at a revision that was current at least
     * {@code retention} ago, at most one per retention, and history never grows past about two
     * retentions' worth once writes go on.
     */
    @Test
    void periodicModeKeepsAtLeastTheRetentionAndCompactsOncePerPeriod() {
        long seed = new Random().nextLong();
        System.out.println("CompactionPolicyTest seed " + seed);
        Random rnd = new Random(seed);
        Duration retention = Duration.ofMinutes(10);
        CompactionPolicy p = CompactionPolicy.periodic(retention);
        long tick = p.tickInterval().toNanos();
        assertThat(tick).isEqualTo(Duration.ofMinutes(1).toNanos());
        List<long[]> revisionAt = new ArrayList<>(); // (time, revision) truth
        long current = 1;
        long compacted = 0;
        long lastCompaction = Long.MIN_VALUE;
        int compactions = 0;
        for (long now = 0; now < Duration.ofHours(5).toNanos(); now += tick + rnd.nextInt(1000)) {
            current += rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(500);
            revisionAt.add(new long[] {now, current});
            long target = p.target(now, current, compacted);
            if (target == 0) {
                continue;
            }
            assertThat(target).isGreaterThan(compacted).isLessThanOrEqualTo(current);
            // the revision was already current retention ago: nothing newer than that is compacted
            long latestOldEnough = 0;
            for (long[] s : revisionAt) {
                if (now - s[0] >= retention.toNanos()) {
                    latestOldEnough = s[1];
                }
            }
            assertThat(target).isLessThanOrEqualTo(latestOldEnough);
            if (lastCompaction != Long.MIN_VALUE) {
                assertThat(now - lastCompaction).isGreaterThanOrEqualTo(retention.toNanos());
            }
            // and not much older than that either: history is bounded by about two retentions
            long twoRetentionsAgo = 0;
            for (long[] s : revisionAt) {
                if (now - s[0] >= 2 * retention.toNanos() + 2 * tick) {
                    twoRetentionsAgo = s[1];
                }
            }
            assertThat(target).isGreaterThanOrEqualTo(twoRetentionsAgo);
            compacted = target;
            lastCompaction = now;
            p.compacted(now);
            compactions++;
            assertThat(p.samples()).isLessThanOrEqualTo(13);
        }
        assertThat(compactions).isBetween(25, 30);
    }

    @Test
    void periodicModeRetriesOnTheNextTickAfterAFailedProposal() {
        CompactionPolicy p = CompactionPolicy.periodic(Duration.ofSeconds(10));
        assertThat(p.target(0, 10, 0)).isZero();
        assertThat(p.target(5 * S, 20, 0)).isZero();
        assertThat(p.target(10 * S, 30, 0)).isEqualTo(10);
        // not applied (leader changed): asked again on the next tick, with the newest old-enough sample
        assertThat(p.target(15 * S, 40, 0)).isEqualTo(20);
        p.compacted(15 * S);
        assertThat(p.target(20 * S, 50, 20)).isZero();
        assertThat(p.target(25 * S, 50, 20)).isEqualTo(40);
    }
}
