package io.raftkv.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultScheduleTest {
    private static Duration s(long seconds) {
        return Duration.ofSeconds(seconds);
    }

    @Test
    void gateScheduleFitsThreeCyclesIntoSixtySecondsAndEndsCalm() {
        FaultSchedule gate = FaultSchedule.gate(s(60));
        List<FaultSchedule.Window> w = gate.windows(Duration.ZERO);
        assertThat(w)
                .containsExactly(
                        new FaultSchedule.Window(s(5), s(15)),
                        new FaultSchedule.Window(s(23), s(33)),
                        new FaultSchedule.Window(s(41), s(51)));
        assertThat(gate.workloadDuration(Duration.ZERO)).isEqualTo(s(60));
    }

    @Test
    void aFaultsMinimumStretchesItsWindows() {
        FaultSchedule shortRun = FaultSchedule.shortRun(s(15));
        assertThat(shortRun.windows(s(8))).containsExactly(new FaultSchedule.Window(s(2), s(10)));
        assertThat(shortRun.windows(Duration.ofMillis(600))).containsExactly(new FaultSchedule.Window(s(2), s(8)));
    }

    @Test
    void oneCycleRunsEvenWhenTheTotalIsTooShortAndTheWorkloadIsLengthened() {
        FaultSchedule tiny = new FaultSchedule(s(5), s(2), s(6), s(4));
        assertThat(tiny.windows(Duration.ZERO)).containsExactly(new FaultSchedule.Window(s(2), s(8)));
        assertThat(tiny.workloadDuration(Duration.ZERO)).isEqualTo(s(12));
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new FaultSchedule(s(10), s(1), Duration.ZERO, s(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FaultSchedule(s(10), s(-1), s(1), s(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
