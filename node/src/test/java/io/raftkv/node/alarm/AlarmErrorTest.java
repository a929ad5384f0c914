package io.raftkv.node.alarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.node.kv.ActiveAlarms;
import io.raftkv.node.kv.AlarmType;
import org.junit.jupiter.api.Test;

/** The message of a write refused by an alarm names the members the alarm is about, and no other. */
class AlarmErrorTest {

    @Test
    void aCorruptAlarmNamesTheCorruptMember() {
        RaftKvException e = Alarms.none()
                .error(AlarmType.CORRUPT, ActiveAlarms.NONE.with(new ActiveAlarms.Alarm(AlarmType.CORRUPT, 2)));
        assertThat(e.reason()).contains(ErrorReason.CORRUPT);
        assertThat(e.getMessage()).contains("member 2 held a state different");
    }

    @Test
    void aRefusalWhoseAlarmWasDisarmedBeforeTheAnswerNamesNoMember() {
        // the write was refused when it applied; the disarm applied before the answer was built:
        // the answering member (id 0 here) must not be named as the corrupt one
        RaftKvException corrupt = Alarms.none().error(AlarmType.CORRUPT, ActiveAlarms.NONE);
        assertThat(corrupt.reason()).contains(ErrorReason.CORRUPT);
        assertThat(corrupt.getMessage())
                .startsWith("CORRUPT: ")
                .contains("disarmed since")
                .doesNotContain("member 0");
        RaftKvException noSpace = Alarms.none().error(AlarmType.NOSPACE, ActiveAlarms.NONE);
        assertThat(noSpace.reason()).contains(ErrorReason.NO_SPACE);
        assertThat(noSpace.getMessage()).startsWith("NO_SPACE: ").contains("disarmed since");
    }
}
