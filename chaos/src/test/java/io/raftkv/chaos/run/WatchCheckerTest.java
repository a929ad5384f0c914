package io.raftkv.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.chaos.workload.WatchUsers;
import io.raftkv.chaos.workload.WatchedEvent;
import io.raftkv.e2e.history.OpKind;
import io.raftkv.e2e.history.Operation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The watch checker passes a faithful stream and catches each kind of wrong one. */
class WatchCheckerTest {
    private static final int FINAL = 9;

    /** put a=1 (rev 2), put b=2 (rev 3), cas a 1→3 (rev 4), delete b (rev 5); unknown put c=4 lost; final reads. */
    private static List<Operation> history() {
        return List.of(
                Operation.put(0, "a", "1", 0, 10),
                Operation.put(1, "b", "2", 11, 20),
                Operation.cas(0, "a", "1", "3", true, 21, 30),
                Operation.cas(1, "a", "9", "5", false, 21, 30),
                Operation.delete(1, "b", 31, 40),
                new Operation(2, OpKind.PUT, "c", "4", null, false, true, 31, 50),
                Operation.get(FINAL, "a", "3", 60, 61),
                Operation.get(FINAL, "b", null, 60, 61),
                Operation.get(FINAL, "c", null, 60, 61));
    }

    private static List<WatchedEvent> faithful() {
        return List.of(
                new WatchedEvent(2, false, "a", "1", 1, null, 0),
                new WatchedEvent(3, false, "b", "2", 1, null, 0),
                new WatchedEvent(4, false, "a", "3", 2, "1", 2),
                new WatchedEvent(5, true, "b", null, 0, "2", 3),
                new WatchedEvent(6, false, WatchUsers.END_MARKER, "end", 1, null, 0));
    }

    private static WatchChecker.Result check(List<WatchedEvent> stream) {
        return WatchChecker.check(history(), FINAL, List.of(faithful(), stream));
    }

    private static List<WatchedEvent> with(int index, WatchedEvent replacement) {
        List<WatchedEvent> s = new ArrayList<>(faithful());
        if (replacement == null) {
            s.remove(index);
        } else {
            s.set(index, replacement);
        }
        return s;
    }

    @Test
    void aFaithfulStreamPasses() {
        WatchChecker.Result r = check(faithful());
        assertThat(r.violations()).isEmpty();
        assertThat(r.events()).isEqualTo(8);
        assertThat(r.watchers()).isEqualTo(2);
    }

    @Test
    void catchesAMissingAcknowledgedWrite() {
        assertThat(check(with(1, null)).violations())
                .anyMatch(v -> v.contains("acknowledged write never seen") && v.contains("b"));
    }

    @Test
    void catchesADuplicateAcrossAResume() {
        List<WatchedEvent> s = new ArrayList<>(faithful());
        s.add(2, faithful().get(1));
        assertThat(check(s).violations()).anyMatch(v -> v.contains("out of order or duplicated"));
    }

    @Test
    void catchesReorderAndWrongPrevKvAndFailedWrites() {
        List<WatchedEvent> swapped = new ArrayList<>(faithful());
        swapped.set(0, faithful().get(1));
        swapped.set(1, faithful().get(0));
        assertThat(check(swapped).violations()).anyMatch(v -> v.contains("out of order"));
        assertThat(check(with(2, new WatchedEvent(4, false, "a", "3", 2, "0", 2)))
                        .violations())
                .anyMatch(v -> v.contains("wrong prev_kv"));
        assertThat(check(with(2, new WatchedEvent(4, false, "a", "5", 2, "1", 2)))
                        .violations())
                .anyMatch(v -> v.contains("PUT of a write that failed"));
        assertThat(check(with(2, new WatchedEvent(4, false, "a", "3", 3, "1", 2)))
                        .violations())
                .anyMatch(v -> v.contains("version 3 expected 2"));
    }

    @Test
    void catchesAMissingDeleteThroughTheFinalReads() {
        assertThat(check(with(3, null)).violations()).anyMatch(v -> v.contains("final read of b returned null"));
    }

    @Test
    void catchesRevisionsAgainstRealTime() {
        // b was invoked after a=1 returned, yet has the smaller revision
        List<WatchedEvent> s = List.of(
                new WatchedEvent(2, false, "b", "2", 1, null, 0),
                new WatchedEvent(3, false, "a", "1", 1, null, 0),
                new WatchedEvent(4, false, "a", "3", 2, "1", 3),
                new WatchedEvent(5, true, "b", null, 0, "2", 2));
        assertThat(WatchChecker.check(history(), FINAL, List.of(s)).violations())
                .anyMatch(v -> v.contains("yet its revision 2 is not after 3"));
    }

    @Test
    void anUnknownWriteMayAppearOnce() {
        List<WatchedEvent> s = List.of(
                new WatchedEvent(2, false, "a", "1", 1, null, 0),
                new WatchedEvent(3, false, "b", "2", 1, null, 0),
                new WatchedEvent(4, false, "a", "3", 2, "1", 2),
                new WatchedEvent(5, true, "b", null, 0, "2", 3),
                new WatchedEvent(6, false, "c", "4", 1, null, 0));
        // c=4's outcome was unknown: seeing it is fine, but then the final read (absent) disagrees
        assertThat(WatchChecker.check(history(), FINAL, List.of(s)).violations())
                .singleElement()
                .satisfies(v -> assertThat(v).contains("final read of c returned null"));
    }
}
