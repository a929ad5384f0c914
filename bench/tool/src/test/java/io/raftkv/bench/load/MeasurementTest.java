package io.raftkv.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.bench.spi.TargetCallException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class MeasurementTest {
    @Test
    void onlyCompletionsInsideTheWindowCount() {
        Measurement m = new Measurement(1_000_000_000L, 2_000_000_000L);
        m.success(0, 999_999_999L); // warm-up
        m.success(1_000_000_000L, 1_002_000_000L); // 2 ms, in window
        m.success(1_500_000_000L, 2_000_000_000L); // ends exactly at the window end: excluded
        m.failure("UNAVAILABLE", 500_000_000L);
        m.failure("UNAVAILABLE", 1_500_000_000L);
        m.failure("DEADLINE_EXCEEDED", 1_600_000_000L);

        var window = m.takeWindowHistogram();
        assertThat(window.getTotalCount()).isEqualTo(1);
        assertThat(window.getMaxValue()).isBetween(1_999L, 2_001L);
        assertThat(m.windowErrors())
                .containsExactly(java.util.Map.entry("DEADLINE_EXCEEDED", 1L), java.util.Map.entry("UNAVAILABLE", 1L));
        assertThat(m.allErrors()).containsEntry("UNAVAILABLE", 2L);
        assertThat(m.takeProgressInterval().getTotalCount()).isEqualTo(3);
    }

    @Test
    void hugeLatenciesAreClampedNotDropped() {
        long twoHoursNanos = 7_200_000_000_000L;
        Measurement m = new Measurement(0, twoHoursNanos + 1);
        m.success(0, twoHoursNanos);
        var h = m.takeWindowHistogram();
        assertThat(h.getTotalCount()).isEqualTo(1);
        assertThat(h.getMaxValue()).isGreaterThanOrEqualTo(Measurement.HIGHEST_TRACKABLE_MICROS);
    }

    @Test
    void codesComeFromTargetExceptionsThroughWrappers() {
        TargetCallException unavailable = new TargetCallException("UNAVAILABLE", "x", null);
        assertThat(Measurement.codeOf(new CompletionException(unavailable))).isEqualTo("UNAVAILABLE");
        assertThat(Measurement.codeOf(new TimeoutException())).isEqualTo("DEADLINE_EXCEEDED");
        assertThat(Measurement.codeOf(new IllegalStateException())).isEqualTo("UNKNOWN");
    }
}
