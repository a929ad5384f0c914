package io.raftkv.node.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CoreClockTest {
    private static final long MS = 1_000_000L;

    @Test
    void deliversEveryTickThatFellDueAndNoMore() {
        AtomicInteger delivered = new AtomicInteger();
        CoreClock clock = new CoreClock(10, delivered::incrementAndGet);
        clock.sync(1_000 * MS);
        assertThat(delivered).hasValue(0); // not started

        clock.start(1_000 * MS);
        clock.sync(1_009 * MS);
        assertThat(delivered).hasValue(0);
        clock.sync(1_010 * MS);
        assertThat(delivered).hasValue(1);
        clock.sync(1_010 * MS);
        assertThat(delivered).hasValue(1); // idempotent
        clock.sync(1_255 * MS); // a stalled loop catches up at once
        assertThat(delivered).hasValue(25);
        assertThat(clock.ticks()).isEqualTo(25);
    }
}
