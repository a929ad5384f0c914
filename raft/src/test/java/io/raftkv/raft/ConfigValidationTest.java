package io.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ConfigValidationTest {

    private static void rejects(UnaryOperator<RaftConfig.Builder> f, String field) {
        assertThatThrownBy(() -> f.apply(RaftConfig.builder(1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(field);
    }

    @Test
    void everyInvalidFieldIsNamed() {
        assertThatThrownBy(() -> RaftConfig.builder(0).build()).hasMessageContaining("id");
        rejects(b -> b.heartbeatTicks(0), "heartbeatTicks");
        rejects(b -> b.electionTicks(5).heartbeatTicks(5), "electionTicks");
        rejects(b -> b.maxSizePerMsgBytes(0), "maxSizePerMsgBytes");
        rejects(b -> b.maxInflightMsgs(0), "maxInflightMsgs");
        rejects(b -> b.maxUncommittedEntriesBytes(0), "maxUncommittedEntriesBytes");
        rejects(b -> b.leaseDriftTicks(0), "leaseDriftTicks");
        rejects(b -> b.electionTicks(10).leaseDriftTicks(10), "leaseDriftTicks");
        rejects(b -> b.applied(-1), "applied");
    }

    @Test
    void defaultsAreValidAndGiveProductionTimeouts() {
        RaftConfig c = RaftConfig.builder(3).build();
        assertThat(c.electionTicks()).isEqualTo(15);
        assertThat(c.heartbeatTicks()).isEqualTo(5);
        assertThat(c.checkQuorum()).isTrue();
        assertThat(c.preVote()).isTrue();
        assertThat(c.leaseDriftTicks()).isEqualTo(RaftConfig.DEFAULT_LEASE_DRIFT_TICKS);
    }

    @Test
    void rawNodeValidatesConfigAndStoredState() {
        RaftConfig bad = new RaftConfig(1, 1, 1, 1, 1, 1, false, false, 1, 0, 0);
        assertThatThrownBy(() -> new RawNode(bad, new MemoryStorage())).isInstanceOf(IllegalArgumentException.class);
        MemoryStorage s = Fixtures.storage(1, 1);
        s.setHardState(new HardState(1, 0, 5));
        assertThatThrownBy(() -> new RawNode(Fixtures.config(1).build(), s))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("commit index 5");
        MemoryStorage t = Fixtures.storage(1, 1);
        t.setHardState(new HardState(1, 0, 1));
        assertThatThrownBy(() -> new RawNode(Fixtures.config(1).applied(2).build(), t))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("applied 2");
    }
}
