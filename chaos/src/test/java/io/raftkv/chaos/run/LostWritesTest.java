package io.raftkv.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.e2e.history.OpKind;
import io.raftkv.e2e.history.Operation;
import java.util.List;
import org.junit.jupiter.api.Test;

class LostWritesTest {
    private static final int FINAL = 9;

    private static Operation put(int client, String value, long call, long ret) {
        return Operation.put(client, "k", value, call, ret);
    }

    private static Operation finalRead(String value) {
        return Operation.get(FINAL, "k", value, 1_000, 1_001);
    }

    @Test
    void theLastAcknowledgedWriteSeenAtTheEndIsNotLost() {
        List<Operation> h = List.of(put(0, "a", 10, 20), put(1, "b", 30, 40), finalRead("b"));
        assertThat(LostWrites.find(h, FINAL)).isEmpty();
    }

    @Test
    void aWriteThatBeganAfterTheObservedWriteReturnedIsLost() {
        List<Operation> h = List.of(put(0, "a", 10, 20), put(1, "b", 30, 40), finalRead("a"));
        assertThat(LostWrites.find(h, FINAL)).singleElement().asString().contains("put(k, \"b\")");
    }

    @Test
    void concurrentWritesMayBeOrderedEitherWay() {
        List<Operation> h = List.of(put(0, "a", 10, 50), put(1, "b", 30, 40), finalRead("a"));
        assertThat(LostWrites.find(h, FINAL)).isEmpty();
    }

    @Test
    void anUnknownWriteMayTakeEffectLateAndIsNeverLost() {
        Operation unknownA = new Operation(0, OpKind.PUT, "k", "a", null, false, true, 10, 20);
        Operation unknownC = new Operation(2, OpKind.PUT, "k", "c", null, false, true, 50, 60);
        List<Operation> h = List.of(unknownA, put(1, "b", 30, 40), unknownC, finalRead("a"));
        assertThat(LostWrites.find(h, FINAL))
                .as("a may have been applied after b")
                .isEmpty();
    }

    @Test
    void aFailedCasWritesNothingButASuccessfulOneCounts() {
        Operation casFailed = Operation.cas(1, "k", "x", "b", false, 30, 40);
        assertThat(LostWrites.find(List.of(put(0, "a", 10, 20), casFailed, finalRead("a")), FINAL))
                .isEmpty();
        Operation casOk = Operation.cas(1, "k", "a", "b", true, 30, 40);
        assertThat(LostWrites.find(List.of(put(0, "a", 10, 20), casOk, finalRead("a")), FINAL))
                .hasSize(1);
    }

    @Test
    void anAbsentKeyAtTheEndNeedsADeleteThatCouldComeLast() {
        Operation del = Operation.delete(2, "k", 50, 60);
        assertThat(LostWrites.find(List.of(put(0, "a", 10, 20), del, finalRead(null)), FINAL))
                .isEmpty();
        assertThat(LostWrites.find(List.of(del, put(0, "a", 70, 80), finalRead(null)), FINAL))
                .hasSize(1);
        assertThat(LostWrites.find(List.of(put(0, "a", 10, 20), finalRead(null)), FINAL))
                .as("never deleted, yet absent")
                .hasSize(1);
    }

    @Test
    void aDeleteAfterTheObservedWriteIsLostToo() {
        List<Operation> h = List.of(put(0, "a", 10, 20), Operation.delete(1, "k", 30, 40), finalRead("a"));
        assertThat(LostWrites.find(h, FINAL)).singleElement().asString().contains("delete(k)");
    }

    @Test
    void keysWithoutASuccessfulFinalReadAreSkipped() {
        Operation unknownFinal = new Operation(FINAL, OpKind.GET, "k", null, null, false, true, 1_000, 1_001);
        assertThat(LostWrites.find(List.of(put(0, "a", 10, 20), unknownFinal), FINAL))
                .isEmpty();
    }
}
