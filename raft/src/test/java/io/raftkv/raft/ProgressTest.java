package io.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressTest {
    private static Progress progress(long match, long next, ProgressState state) {
        Progress p = new Progress(next, 2, false);
        p.match = match;
        p.state = state;
        return p;
    }

    @Test
    void probeSendsOneMessageThenPauses() {
        Progress p = progress(0, 5, ProgressState.PROBE);
        assertThat(p.isPaused()).isFalse();
        p.sentEntries(3);
        assertThat(p.isPaused()).isTrue();
        assertThat(p.next).isEqualTo(5);
    }

    @Test
    void replicateAdvancesNextAndBoundsWindow() {
        Progress p = progress(4, 5, ProgressState.PROBE);
        p.becomeReplicate();
        assertThat(p.next).isEqualTo(5);
        p.sentEntries(2);
        assertThat(p.next).isEqualTo(7);
        assertThat(p.isPaused()).isFalse();
        p.sentEntries(1);
        assertThat(p.isPaused()).isTrue();
        assertThat(p.inflights.count()).isEqualTo(2);
        assertThat(p.maybeUpdate(6)).isTrue();
        assertThat(p.isPaused()).isFalse();
        assertThat(p.maybeUpdate(6)).isFalse();
        assertThat(p.match).isEqualTo(6);
        assertThat(p.next).isEqualTo(8);
    }

    @Test
    void maybeUpdateMovesNextPastAck() {
        Progress p = progress(0, 1, ProgressState.PROBE);
        assertThat(p.maybeUpdate(9)).isTrue();
        assertThat(p.next).isEqualTo(10);
        assertThat(p.maybeUpdate(3)).isFalse();
        assertThat(p.next).isEqualTo(10);
    }

    @Test
    void maybeDecrToInReplicateIgnoresStaleRejections() {
        Progress p = progress(5, 10, ProgressState.REPLICATE);
        assertThat(p.maybeDecrTo(4, 4)).isFalse();
        assertThat(p.maybeDecrTo(5, 5)).isFalse();
        assertThat(p.next).isEqualTo(10);
        assertThat(p.maybeDecrTo(9, 2)).isTrue();
        assertThat(p.next).isEqualTo(6);
    }

    @Test
    void maybeDecrToInProbeUsesHintButNeverBelowMatch() {
        Progress p = progress(0, 10, ProgressState.PROBE);
        p.flowPaused = true;
        assertThat(p.maybeDecrTo(5, 3)).as("not the latest probe").isFalse();
        assertThat(p.maybeDecrTo(9, 3)).isTrue();
        assertThat(p.next).isEqualTo(4);
        assertThat(p.isPaused()).isFalse();
        Progress q = progress(6, 10, ProgressState.PROBE);
        assertThat(q.maybeDecrTo(9, 2)).isTrue();
        assertThat(q.next).isEqualTo(7);
        Progress r = progress(0, 10, ProgressState.PROBE);
        assertThat(r.maybeDecrTo(9, 20)).isTrue();
        assertThat(r.next).isEqualTo(9);
    }

    @Test
    void snapshotStatePausesAndProbeResumesAfterIt() {
        Progress p = progress(3, 4, ProgressState.PROBE);
        p.becomeSnapshot(20);
        assertThat(p.isPaused()).isTrue();
        assertThat(p.pendingSnapshot).isEqualTo(20);
        assertThat(p.next).isEqualTo(21);
        p.becomeProbe();
        assertThat(p.state).isEqualTo(ProgressState.PROBE);
        assertThat(p.next).isEqualTo(21);
        assertThat(p.pendingSnapshot).isZero();
        Progress q = progress(30, 31, ProgressState.PROBE);
        q.becomeSnapshot(20);
        q.becomeProbe();
        assertThat(q.next).isEqualTo(31);
        Progress r = progress(3, 9, ProgressState.REPLICATE);
        r.becomeProbe();
        assertThat(r.next).isEqualTo(4);
        assertThat(r.view()).isEqualTo(new FollowerProgress(3, 4, ProgressState.PROBE, false, false, 0));
    }
}
