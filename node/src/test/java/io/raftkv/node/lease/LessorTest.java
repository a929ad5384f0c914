package io.raftkv.node.lease;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The leader's lease clock on virtual time: a lease expires only once its TTL has passed since
 * the last renewal on the primary, never while renewed, and a new primary gives every lease a full
 * TTL plus the extension — so a lease kept alive across any sequence of leader changes never
 * expires. A randomized run checks the invariant over many seeds (printed on failure).
 */
class LessorTest {
    private static final long S = 1_000_000_000L;
    private static final long EXT = 300_000_000L;

    @Test
    void aLeaseExpiresExactlyAtItsDeadlineAndNeverBefore() {
        Lessor l = new Lessor(EXT);
        l.promote(0, Map.of());
        l.sync(10 * S, Map.of(1L, 5L));
        assertThat(l.expired(15 * S - 1, 10)).isEmpty();
        assertThat(l.expired(15 * S, 10)).containsExactly(1L);
        // Marked as being revoked: not proposed twice, and a renewal no longer revives it.
        assertThat(l.expired(16 * S, 10)).isEmpty();
        assertThat(l.keepAlive(1, 16 * S)).isZero();
        l.revocationFailed(1);
        assertThat(l.expired(16 * S, 10)).containsExactly(1L);
        l.sync(17 * S, Map.of());
        assertThat(l.size()).isZero();
        assertThat(l.remainingNanos(1, 17 * S)).isEqualTo(-1);
    }

    @Test
    void renewalsPushTheDeadlineAFullTtlFromTheRenewal() {
        Lessor l = new Lessor(EXT);
        l.promote(0, Map.of(7L, 3L));
        assertThat(l.remainingNanos(7, 0)).isEqualTo(3 * S + EXT);
        for (long t = S; t < 100 * S; t += 2 * S) {
            assertThat(l.keepAlive(7, t)).isEqualTo(3);
            assertThat(l.expired(t + 3 * S - 1, 10)).isEmpty();
        }
        assertThat(l.expired(99 * S + 3 * S, 10)).containsExactly(7L);
    }

    @Test
    void aNewPrimaryExtendsEveryLeaseByAFullTtlPlusTheExtension() {
        Lessor old = new Lessor(EXT);
        old.promote(0, Map.of(1L, 10L));
        old.keepAlive(1, 9 * S); // promised until 19 s
        old.demote();
        Lessor next = new Lessor(EXT);
        next.promote(12 * S, Map.of(1L, 10L)); // the old promise (19 s) is kept and then some
        assertThat(next.remainingNanos(1, 12 * S)).isEqualTo(10 * S + EXT);
        assertThat(next.expired(22 * S + EXT - 1, 10)).isEmpty();
        assertThat(next.expired(22 * S + EXT, 10)).containsExactly(1L);
    }

    @Test
    void expiriesComeEarliestFirstAndBounded() {
        Lessor l = new Lessor(0);
        Map<Long, Long> table = new HashMap<>();
        for (long id = 1; id <= 10; id++) {
            table.put(id, 11 - id); // id 10 has the shortest TTL
        }
        l.promote(0, table);
        assertThat(l.expired(100 * S, 3)).containsExactly(10L, 9L, 8L);
        assertThat(l.expired(100 * S, 100)).hasSize(7);
    }

    @Test
    void aFollowerDecidesNothing() {
        Lessor l = new Lessor(EXT);
        l.sync(0, Map.of(1L, 1L));
        assertThat(l.expired(Long.MAX_VALUE / 2, 10)).isEmpty();
        assertThat(l.primary()).isFalse();
    }

    /**
     * Random schedules of renewals (at most a TTL apart: the holder keeps it alive), leader changes
     * (a fresh primary that learns the table) and expiry checks: a kept-alive lease is never
     * returned by {@link Lessor#expired}, and one left alone expires within TTL + extension of its
     * last renewal on whichever primary holds it.
     */
    @Test
    void keptAliveLeasesNeverExpireAcrossLeaderChanges() {
        for (int seed = 0; seed < 500; seed++) {
            Random rnd = new Random(seed);
            long ttl = 1 + rnd.nextInt(5);
            Map<Long, Long> table = Map.of(1L, ttl, 2L, ttl);
            Lessor primary = new Lessor(EXT);
            long now = 0;
            primary.promote(now, table);
            long lastRenewal2 = now;
            long abandonAt = (5 + rnd.nextInt(20)) * S;
            List<Long> expired = new ArrayList<>();
            while (now < 60 * S) {
                now += rnd.nextInt((int) (ttl * 1000 / 2)) * 1_000_000L + 1;
                if (rnd.nextInt(10) == 0) {
                    primary.demote();
                    primary = new Lessor(EXT);
                    now += rnd.nextInt(300) * 1_000_000L; // the election
                    primary.promote(now, table);
                    lastRenewal2 = Math.max(lastRenewal2, now); // a promotion renews every lease
                }
                primary.keepAlive(1, now); // lease 1 is always renewed within half a TTL
                if (now < abandonAt) {
                    if (primary.keepAlive(2, now) > 0) {
                        lastRenewal2 = now;
                    }
                }
                for (long id : primary.expired(now, 10)) {
                    expired.add(id);
                    if (id == 2) {
                        assertThat(now - lastRenewal2)
                                .as("seed %d: lease 2 expired early", seed)
                                .isGreaterThanOrEqualTo(ttl * S);
                    }
                }
                assertThat(expired)
                        .as("seed %d: a kept-alive lease expired", seed)
                        .doesNotContain(1L);
            }
            assertThat(expired)
                    .as("seed %d: the abandoned lease never expired", seed)
                    .contains(2L);
        }
    }
}
