package io.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReadOnlyQueueTest {
    private static Message read(String ctx) {
        return Message.builder(MessageType.READ_INDEX)
                .from(1)
                .context(ctx.getBytes())
                .build();
    }

    @Test
    void ackOfLaterContextReleasesEverythingBefore() {
        ReadOnlyQueue q = new ReadOnlyQueue();
        q.add(5, read("a"));
        q.add(6, read("b"));
        q.add(7, read("c"));
        assertThat(new String(q.lastPendingContext())).isEqualTo("c");
        assertThat(q.recvAck(2, "b".getBytes())).containsOnlyKeys(2L);
        List<ReadOnlyQueue.Pending> released = q.releaseUpTo("b".getBytes());
        assertThat(released).extracting(p -> p.commitIndex).containsExactly(5L, 6L);
        assertThat(q.size()).isEqualTo(1);
        assertThat(q.contains("c".getBytes())).isTrue();
        assertThat(q.contains("a".getBytes())).isFalse();
    }

    @Test
    void unknownContextIsIgnoredAndDuplicatesKeepFirst() {
        ReadOnlyQueue q = new ReadOnlyQueue();
        assertThat(q.recvAck(2, "x".getBytes())).isNull();
        assertThat(q.releaseUpTo("x".getBytes())).isEmpty();
        assertThat(q.lastPendingContext()).isNull();
        q.add(5, read("a"));
        q.add(9, read("a"));
        assertThat(q.size()).isEqualTo(1);
        assertThat(q.releaseUpTo("a".getBytes()).get(0).commitIndex).isEqualTo(5);
    }

    @Test
    void boundedQueue() {
        ReadOnlyQueue q = new ReadOnlyQueue();
        for (int i = 0; i < ReadOnlyQueue.MAX_PENDING; i++) {
            q.add(1, read("r" + i));
        }
        assertThat(q.isFull()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> q.add(1, read("extra")))
                .isInstanceOf(IllegalStateException.class);
    }
}
