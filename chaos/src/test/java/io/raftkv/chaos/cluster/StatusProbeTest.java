package io.raftkv.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.v1.Member;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class StatusProbeTest {
    private static StatusResponse status(long id, Role role, long term, long leader, long... voters) {
        StatusResponse.Builder b = StatusResponse.newBuilder()
                .setId(id)
                .setRole(role)
                .setTerm(term)
                .setLeaderId(leader);
        for (long v : voters) {
            b.addMembers(Member.newBuilder().setId(v).setRole(MemberRole.VOTER));
        }
        return b.build();
    }

    private static Map<Integer, Optional<StatusResponse>> view(StatusResponse... statuses) {
        Map<Integer, Optional<StatusResponse>> m = new LinkedHashMap<>();
        for (StatusResponse s : statuses) {
            m.put((int) s.getId(), Optional.of(s));
        }
        return m;
    }

    @Test
    void aLeaderVouchedForByAQuorumIsTheLeader() {
        assertThat(StatusProbe.agreedLeader(view(
                        status(1, Role.LEADER, 5, 1, 1, 2, 3),
                        status(2, Role.FOLLOWER, 5, 1),
                        status(3, Role.FOLLOWER, 4, 2))))
                .isEqualTo(OptionalInt.of(1));
    }

    @Test
    void anIsolatedOldLeaderIsNotTheLeader() {
        assertThat(StatusProbe.agreedLeader(view(
                        status(1, Role.LEADER, 5, 1, 1, 2, 3),
                        status(2, Role.LEADER, 6, 2, 1, 2, 3),
                        status(3, Role.FOLLOWER, 6, 2))))
                .isEqualTo(OptionalInt.of(2));
        assertThat(StatusProbe.agreedLeader(view(
                        status(1, Role.LEADER, 5, 1, 1, 2, 3),
                        status(2, Role.CANDIDATE, 6, 0),
                        status(3, Role.CANDIDATE, 6, 0))))
                .isEmpty();
    }

    @Test
    void silentNodesDoNotCountAndALoneLeaderOfFiveIsNotEnough() {
        Map<Integer, Optional<StatusResponse>> v =
                view(status(1, Role.LEADER, 3, 1, 1, 2, 3, 4, 5), status(2, Role.FOLLOWER, 3, 1));
        v.put(3, Optional.empty());
        assertThat(StatusProbe.agreedLeader(v)).isEmpty();
        v.put(3, Optional.of(status(3, Role.FOLLOWER, 3, 1)));
        assertThat(StatusProbe.agreedLeader(v)).isEqualTo(OptionalInt.of(1));
    }
}
