package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.storage.StateRecords.Session;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Session records hold the answer a retry replays, revision included. Storage format v2 (revisions)
 * redefined them; records of format v1 are never read, because a v1 data directory is refused at
 * start-up ({@link StorageLayout}). Every kind of result round-trips, and an unknown extension is
 * corruption, not silence.
 */
class SessionRecordCompatibilityTest {
    private static final byte[] KEY = {'k'};
    private static final KeyValue KV = new KeyValue(KEY, new byte[] {'v'}, 3, 4, 2, 7);

    @Test
    void everyKindOfResultRoundTripsWithItsRevision() {
        List<ApplyResult> results = List.of(
                ApplyResult.applied(40, 12, KV),
                ApplyResult.appliedPut(9, 5, KV, new KeyValue(KEY, new byte[0], 3, 3, 1)),
                ApplyResult.txn(
                        10,
                        6,
                        true,
                        List.of(
                                new ApplyResult.PutOutcome(),
                                new ApplyResult.DeleteOutcome(true),
                                new ApplyResult.DeleteOutcome(false),
                                new ApplyResult.GetOutcome(KV),
                                new ApplyResult.GetOutcome(null),
                                new ApplyResult.DeleteRangeOutcome(
                                        2, List.of(KV, new KeyValue(new byte[] {'l'}, new byte[0], 1, 1, 1))),
                                new ApplyResult.DeleteRangeOutcome(0, List.of()))),
                ApplyResult.txn(11, 6, false, List.of(new ApplyResult.GetOutcome(null))),
                ApplyResult.rejected(12, 6, "stale").asDuplicateAt(13));
        for (ApplyResult r : results) {
            Session s = new Session(-4, 2, r.index(), r);
            assertThat(StateRecords.decodeSession(-4, StateRecords.encodeSession(s)))
                    .isEqualTo(s);
        }
    }

    @Test
    void anUnknownExtensionIsCorruptionNotSilence() {
        byte[] good = StateRecords.encodeSession(new Session(11, 6, 40, ApplyResult.applied(40, 12, KV)));
        byte[] payload =
                ChecksummedRecord.open(StateRecords.sessionKey(11), good).array();
        byte[] body = java.util.Arrays.copyOfRange(payload, ChecksummedRecord.HEADER_BYTES, payload.length);
        byte[] extended = java.util.Arrays.copyOf(body, body.length + 1);
        extended[body.length] = 9;
        byte[] stored = ChecksummedRecord.seal(StateRecords.sessionKey(11), extended);
        assertThatThrownBy(() -> StateRecords.decodeSession(11, stored))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("unknown result extension 9");
    }
}
