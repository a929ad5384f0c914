package io.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.v1.AlarmMember;
import io.raftkv.api.v1.AlarmType;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusResponse;
import org.junit.jupiter.api.Test;

/** Which member {@code snapshot save} downloads from when no {@code --from} is given. */
class SnapshotSourceTest {
    private static StatusResponse.Builder follower(long id) {
        return StatusResponse.newBuilder().setId(id).setRole(Role.FOLLOWER);
    }

    private static AlarmMember corrupt(long id) {
        return AlarmMember.newBuilder()
                .setType(AlarmType.CORRUPT)
                .setMemberId(id)
                .build();
    }

    @Test
    void aVotingFollowerNotNamedByTheCorruptAlarm() {
        assertThat(SnapshotCommand.eligibleFollower(follower(2).build())).isTrue();
        assertThat(SnapshotCommand.eligibleFollower(
                        follower(2).addAlarms(corrupt(3)).build()))
                .as("another member is corrupt")
                .isTrue();
        assertThat(SnapshotCommand.eligibleFollower(
                        follower(2).addAlarms(corrupt(2)).build()))
                .as("this member is corrupt: it refuses downloads")
                .isFalse();
        assertThat(SnapshotCommand.eligibleFollower(follower(2).setLearner(true).build()))
                .isFalse();
        assertThat(SnapshotCommand.eligibleFollower(
                        follower(1).setRole(Role.LEADER).build()))
                .isFalse();
    }
}
