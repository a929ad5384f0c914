package io.raftkv.raft;

import static io.raftkv.raft.Fixtures.entries;
import static io.raftkv.raft.Fixtures.storage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** RaftLog and UnstableLog: the log arithmetic of §5.3. */
class RaftLogTest {

    private static RaftLog log(long... storedTerms) {
        return new RaftLog(storage(storedTerms), Long.MAX_VALUE);
    }

    @Test
    void freshLogSpansStorage() {
        RaftLog l = log(1, 1, 2);
        assertThat(l.firstIndex()).isEqualTo(1);
        assertThat(l.lastIndex()).isEqualTo(3);
        assertThat(l.lastTerm()).isEqualTo(2);
        assertThat(l.committed()).isZero();
        assertThat(l.lastDurableIndex()).isEqualTo(3);
        assertThat(l.term(0)).isZero();
        assertThatThrownBy(() -> l.term(4)).isInstanceOf(StorageException.Unavailable.class);
        assertThat(l.termOrZero(4)).isZero();
    }

    @Test
    void appendGoesToUnstableUntilStable() {
        RaftLog l = log(1, 1);
        assertThat(l.append(entries(3, 2, 2))).isEqualTo(4);
        assertThat(l.unstableEntries()).extracting(Entry::index).containsExactly(3L, 4L);
        assertThat(l.lastDurableIndex()).isEqualTo(2);
        l.stableTo(3, 2);
        assertThat(l.unstableEntries()).extracting(Entry::index).containsExactly(4L);
        assertThat(l.lastDurableIndex()).isEqualTo(3);
        l.stableTo(4, 9); // wrong term: the entry was replaced meanwhile
        assertThat(l.unstableEntries()).hasSize(1);
        l.stableTo(4, 2);
        assertThat(l.unstableEntries()).isEmpty();
        assertThat(l.lastDurableIndex()).isEqualTo(4);
    }

    @Test
    void maybeAppendChecksConsistencyAndCommits_5_3() {
        RaftLog l = log(1, 2, 3);
        assertThat(l.maybeAppend(3, 2, 3, entries(4, 4)))
                .as("prev term mismatch")
                .isEqualTo(-1);
        assertThat(l.maybeAppend(5, 3, 3, entries(6, 4))).as("gap").isEqualTo(-1);
        assertThat(l.maybeAppend(3, 3, 9, entries(4, 4, 4))).isEqualTo(5);
        assertThat(l.committed()).as("commit capped by last new entry").isEqualTo(5);
        assertThat(l.lastIndex()).isEqualTo(5);
    }

    @Test
    void maybeAppendTruncatesConflictingSuffixOnly() {
        RaftLog l = log(1, 1, 1, 1);
        l.commitTo(1);
        // Entries 2 (same) and 3 (conflict, term 2): the suffix from 3 is replaced.
        assertThat(l.maybeAppend(1, 1, 1, List.of(Entry.normal(1, 2, "e2".getBytes()), Entry.normal(2, 3, null))))
                .isEqualTo(3);
        assertThat(l.lastIndex()).isEqualTo(3);
        assertThat(l.term(3)).isEqualTo(2);
        assertThat(l.unstableEntries()).extracting(Entry::index).containsExactly(3L);
        // A message that is a prefix of our log changes nothing (no truncation of later entries).
        assertThat(l.maybeAppend(1, 1, 1, entries(2, 1))).isEqualTo(2);
        assertThat(l.lastIndex()).isEqualTo(3);
    }

    @Test
    void conflictWithCommittedEntryFailsLoudly() {
        RaftLog l = log(1, 1, 1);
        l.commitTo(3);
        assertThatThrownBy(() -> l.maybeAppend(1, 1, 3, entries(2, 5)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("committed");
        assertThatThrownBy(() -> l.append(entries(2, 5))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void commitBeyondLastIndexFailsLoudly() {
        RaftLog l = log(1, 1);
        assertThatThrownBy(() -> l.commitTo(3))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("3")
                .hasMessageContaining("last index 2");
        l.commitTo(2);
        l.commitTo(1); // never decreases
        assertThat(l.committed()).isEqualTo(2);
    }

    @Test
    void findConflictByTermSkipsWholeTerms() {
        // Terms by index: 1:1 2:1 3:1 4:4 5:4 6:5 7:5
        RaftLog l = log(1, 1, 1, 4, 4, 5, 5);
        assertThat(l.findConflictByTerm(7, 3)).containsExactly(3, 1);
        assertThat(l.findConflictByTerm(7, 4)).containsExactly(5, 4);
        assertThat(l.findConflictByTerm(7, 5)).containsExactly(7, 5);
        assertThat(l.findConflictByTerm(7, 0)).containsExactly(0, 0);
        assertThat(l.findConflictByTerm(9, 5)).as("beyond our log").containsExactly(9, 0);
    }

    @Test
    void findConflictFindsFirstMismatchOrNew() {
        RaftLog l = log(1, 2, 3);
        assertThat(l.findConflict(List.of())).isZero();
        assertThat(l.findConflict(entries(1, 1, 2, 3))).isZero();
        assertThat(l.findConflict(entries(2, 2, 4))).isEqualTo(3);
        assertThat(l.findConflict(entries(3, 3, 4))).isEqualTo(4);
    }

    @Test
    void isUpToDateComparesLastTermThenIndex_5_4_1() {
        RaftLog l = log(1, 2, 2);
        assertThat(l.isUpToDate(1, 3)).isTrue();
        assertThat(l.isUpToDate(3, 2)).isTrue();
        assertThat(l.isUpToDate(4, 2)).isTrue();
        assertThat(l.isUpToDate(2, 2)).isFalse();
        assertThat(l.isUpToDate(9, 1)).isFalse();
    }

    @Test
    void maybeCommitOnlyInGivenTerm_5_4_2() {
        RaftLog l = log(1, 2, 3);
        assertThat(l.maybeCommit(2, 3)).isFalse();
        assertThat(l.committed()).isZero();
        assertThat(l.maybeCommit(3, 3)).isTrue();
        assertThat(l.committed()).isEqualTo(3);
        assertThat(l.maybeCommit(3, 3)).isFalse();
    }

    @Test
    void sliceCombinesStorageAndUnstableWithinByteLimit() {
        RaftLog l = log(1, 1);
        l.append(entries(3, 2, 2));
        assertThat(l.slice(1, 5, Long.MAX_VALUE)).extracting(Entry::index).containsExactly(1L, 2L, 3L, 4L);
        long one = entries(1, 1).get(0).sizeBytes();
        assertThat(l.slice(1, 5, one)).hasSize(1);
        assertThat(l.slice(2, 5, 2 * one)).extracting(Entry::index).containsExactly(2L, 3L);
        assertThat(l.slice(3, 5, 0)).as("at least one").hasSize(1);
        assertThat(l.slice(3, 3, 10)).isEmpty();
        assertThat(l.entriesFrom(5, 100)).isEmpty();
        assertThatThrownBy(() -> l.slice(2, 6, 10)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> l.slice(3, 2, 10)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void compactedIndicesRaiseCompacted() {
        MemoryStorage s = storage(1, 1, 2, 2);
        s.createSnapshot(2, ConfState.ofVoters(1L), new byte[0]);
        s.compact(2);
        RaftLog l = new RaftLog(s, Long.MAX_VALUE);
        assertThat(l.firstIndex()).isEqualTo(3);
        assertThat(l.committed()).isEqualTo(2);
        assertThat(l.applied()).isEqualTo(2);
        assertThat(l.term(2)).isEqualTo(1);
        assertThatThrownBy(() -> l.term(1)).isInstanceOf(StorageException.Compacted.class);
        assertThatThrownBy(() -> l.slice(2, 4, 100)).isInstanceOf(StorageException.Compacted.class);
        assertThat(l.matchTerm(1, 1)).isFalse();
        assertThat(l.findConflictByTerm(2, 0))
                .as("stops at the compaction boundary")
                .containsExactly(1, 0);
        assertThatThrownBy(() -> l.restoreApplied(1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("snapshot");
    }

    @Test
    void restoreReplacesLogWithSnapshot() {
        RaftLog l = log(1, 1, 1);
        Snapshot snap = new Snapshot(new SnapshotMetadata(10, 4, ConfState.ofVoters(1L)), null);
        l.restore(snap);
        assertThat(l.firstIndex()).isEqualTo(11);
        assertThat(l.lastIndex()).isEqualTo(10);
        assertThat(l.lastTerm()).isEqualTo(4);
        assertThat(l.committed()).isEqualTo(10);
        assertThat(l.hasPendingSnapshot()).isTrue();
        assertThat(l.lastDurableIndex()).isZero();
        assertThat(l.nextCommittedEntries()).isEmpty();
        assertThat(l.hasNextCommittedEntries()).isFalse();
        l.append(entries(11, 4));
        assertThat(l.term(11)).isEqualTo(4);
        assertThatThrownBy(() -> l.term(9)).isInstanceOf(StorageException.Compacted.class);
        l.stableSnapTo(10);
        assertThat(l.hasPendingSnapshot()).isFalse();
    }

    @Test
    void nextCommittedEntriesRespectsApplyingAndByteLimit() {
        long one = entries(1, 1).get(0).sizeBytes();
        RaftLog l = new RaftLog(storage(1, 1, 1, 1), 2 * one);
        l.commitTo(3);
        assertThat(l.hasNextCommittedEntries()).isTrue();
        assertThat(l.nextCommittedEntries()).extracting(Entry::index).containsExactly(1L, 2L);
        l.applyingTo(2);
        assertThat(l.nextCommittedEntries()).extracting(Entry::index).containsExactly(3L);
        assertThat(l.applied()).isZero();
        l.appliedTo(3);
        assertThat(l.hasNextCommittedEntries()).isFalse();
        assertThat(l.applying()).isEqualTo(3);
        assertThatThrownBy(() -> l.appliedTo(4)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> l.applyingTo(4)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void unstableTruncateAndAppendCases() {
        UnstableLog u = new UnstableLog(5);
        u.truncateAndAppend(entries(5, 1, 1, 1));
        assertThat(u.maybeLastIndex()).isEqualTo(7);
        u.truncateAndAppend(entries(8, 1));
        assertThat(u.maybeLastIndex()).isEqualTo(8);
        u.truncateAndAppend(entries(6, 2));
        assertThat(u.maybeLastIndex()).isEqualTo(6);
        assertThat(u.maybeTerm(6)).isEqualTo(2);
        u.truncateAndAppend(entries(3, 3, 3));
        assertThat(u.offset()).isEqualTo(3);
        assertThat(u.maybeLastIndex()).isEqualTo(4);
        assertThat(u.maybeTerm(2)).isEqualTo(-1);
        assertThat(u.maybeTerm(5)).isEqualTo(-1);
        assertThat(u.maybeFirstIndex()).isEqualTo(-1);
        assertThat(u.slice(3, 5)).extracting(Entry::index).containsExactly(3L, 4L);
        assertThatThrownBy(() -> u.slice(2, 4)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> u.slice(3, 6)).isInstanceOf(IllegalStateException.class);
        UnstableLog empty = new UnstableLog(1);
        assertThat(empty.maybeLastIndex()).isEqualTo(-1);
        assertThat(empty.hasEntries()).isFalse();
    }

    @Test
    void entryPayloadsAreNeverCopied() {
        RaftLog l = log();
        byte[] payload = "big".getBytes();
        l.append(List.of(Entry.normal(1, 1, payload)));
        assertThat(l.unstableEntries().get(0).data()).isSameAs(payload);
        assertThat(l.slice(1, 2, 10).get(0).data()).isSameAs(payload);
    }
}
