package io.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Flow control per follower: probe / replicate, the in-flight window, message size, batching. */
class FlowControlTest {

    private static List<Message> appsTo(Ready rd, long to) {
        return rd.messages().stream()
                .filter(m -> m.type() == MessageType.APP && m.to() == to)
                .toList();
    }

    @Test
    void manyProposalsBetweenReadiesTravelInOneAppendPerFollower() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        for (int i = 0; i < 1000; i++) {
            net.node(1).propose(("p" + i).getBytes());
        }
        Ready rd = net.node(1).ready();
        assertThat(appsTo(rd, 2))
                .singleElement()
                .satisfies(m -> assertThat(m.entries()).hasSize(1000));
        assertThat(appsTo(rd, 3)).hasSize(1);
        assertThat(rd.entries()).hasSize(1000);
        net.persist(1, rd);
        net.node(1).advance(rd);
    }

    @Test
    void maxSizePerMsgSplitsBatchesAndInflightWindowBoundsThem() {
        long entryBytes = Entry.normal(1, 1, new byte[100]).sizeBytes();
        TestNetwork net =
                TestNetwork.voters(2, b -> b.maxSizePerMsgBytes(entryBytes * 10).maxInflightMsgs(3));
        net.elect(1);
        for (int i = 0; i < 100; i++) {
            net.node(1).propose(new byte[100]);
        }
        Ready rd = net.node(1).ready();
        List<Message> apps = appsTo(rd, 2);
        assertThat(apps).as("window of 3 messages").hasSize(3);
        assertThat(apps).allSatisfy(m -> assertThat(m.entries()).hasSize(10));
        FollowerProgress p = net.status(1).progress().get(2L);
        assertThat(p.state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(p.inflight()).isEqualTo(3);
        net.persist(1, rd);
        net.node(1).advance(rd);
        // Acknowledging the first frees one slot: exactly one more message goes out.
        net.node(1)
                .step(Message.builder(MessageType.APP_RESP)
                        .from(2)
                        .to(1)
                        .term(1)
                        .index(apps.get(0).entries().get(9).index())
                        .build());
        Ready next = net.node(1).ready();
        assertThat(appsTo(next, 2)).hasSize(1);
        assertThat(appsTo(next, 2).get(0).index())
                .isEqualTo(apps.get(2).entries().get(9).index());
        net.persist(1, next);
        net.node(1).advance(next);
    }

    @Test
    void probeStateSendsOneAppendUntilAnswered() {
        TestNetwork net = TestNetwork.voters(2);
        net.isolate(2);
        net.node(1).campaign();
        net.node(1)
                .step(Message.builder(MessageType.VOTE_RESP)
                        .from(2)
                        .to(1)
                        .term(1)
                        .build());
        net.stabilize();
        assertThat(net.status(1).progress().get(2L).state()).isEqualTo(ProgressState.PROBE);
        int apps = net.sentOfType(MessageType.APP).size();
        net.node(1).propose("a".getBytes());
        net.node(1).propose("b".getBytes());
        net.stabilize();
        assertThat(net.sentOfType(MessageType.APP)).as("paused while probing").hasSize(apps);
        // A heartbeat response unpauses the probe.
        net.node(1)
                .step(Message.builder(MessageType.HEARTBEAT_RESP)
                        .from(2)
                        .to(1)
                        .term(1)
                        .build());
        net.stabilize();
        assertThat(net.sentOfType(MessageType.APP)).hasSize(apps + 1);
    }

    @Test
    void rejectionMovesFollowerBackToProbe() {
        TestNetwork net = TestNetwork.voters(2);
        net.elect(1);
        net.proposeAndCommit(1, "a");
        assertThat(net.status(1).progress().get(2L).state()).isEqualTo(ProgressState.REPLICATE);
        long last = net.status(1).progress().get(2L).match();
        net.node(1)
                .step(Message.builder(MessageType.APP_RESP)
                        .from(2)
                        .to(1)
                        .term(1)
                        .index(last + 5)
                        .reject(true)
                        .rejectHint(last)
                        .logTerm(1)
                        .build());
        // index last+5 was never sent: stale in REPLICATE terms? It is > match, so it counts.
        assertThat(net.status(1).progress().get(2L).state()).isEqualTo(ProgressState.PROBE);
        assertThat(net.status(1).progress().get(2L).next()).isEqualTo(last + 1);
    }

    @Test
    void unreachableFollowerFallsBackToProbe() {
        TestNetwork net = TestNetwork.voters(2);
        net.elect(1);
        assertThat(net.status(1).progress().get(2L).state()).isEqualTo(ProgressState.REPLICATE);
        net.node(1).reportUnreachable(2);
        assertThat(net.status(1).progress().get(2L).state()).isEqualTo(ProgressState.PROBE);
    }

    @Test
    void uncommittedBytesAreBounded() {
        TestNetwork net = TestNetwork.voters(3, b -> b.maxUncommittedEntriesBytes(1000));
        net.elect(1);
        net.isolate(2);
        net.isolate(3);
        net.node(1).propose(new byte[600]);
        assertThatThrownBy(() -> net.node(1).propose(new byte[600]))
                .isInstanceOf(ProposalDroppedException.class)
                .satisfies(e -> assertThat(((ProposalDroppedException) e).reason())
                        .isEqualTo(ProposalDroppedException.Reason.UNCOMMITTED_LIMIT_EXCEEDED));
        net.node(1).propose(new byte[400]);
        net.node(1).propose(new byte[0]); // empty payloads never count
        net.heal();
        net.stabilize();
        net.node(1).propose(new byte[600]);
        net.node(1).propose(new byte[400]);
    }

    @Test
    void proposalsAreRefusedOffTheLeader() {
        TestNetwork net = TestNetwork.voters(3);
        assertThatThrownBy(() -> net.node(2).propose("x".getBytes()))
                .isInstanceOf(ProposalDroppedException.class)
                .satisfies(e -> assertThat(((ProposalDroppedException) e).reason())
                        .isEqualTo(ProposalDroppedException.Reason.NO_LEADER));
        net.elect(1);
        assertThatThrownBy(() -> net.node(2).propose("x".getBytes()))
                .isInstanceOf(ProposalDroppedException.class)
                .satisfies(e -> {
                    ProposalDroppedException p = (ProposalDroppedException) e;
                    assertThat(p.reason()).isEqualTo(ProposalDroppedException.Reason.NOT_LEADER);
                    assertThat(p.leaderHint()).isEqualTo(1);
                });
        assertThatThrownBy(() -> net.node(1).propose(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void proposeReturnsIndexInCurrentTerm() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        long i1 = net.node(1).propose("a".getBytes());
        long i2 = net.node(1).propose("b".getBytes());
        assertThat(i1).isEqualTo(2);
        assertThat(i2).isEqualTo(3);
        net.stabilize();
        assertThat(net.applied.get(3L)).extracting(Entry::index).containsExactly(1L, 2L, 3L);
    }
}
