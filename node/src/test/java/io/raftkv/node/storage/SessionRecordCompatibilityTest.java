package io.raftkv.node.storage;

import io.raftkv.node.storage.StateRecords.Session;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Session records hold the answer a retry replays. They live in the state machine and its
 * snapshots, so records written before the result extension (previous value, transaction results)
 * must still decode, and results without those parts must keep their exact old bytes.
 */
class SessionRecordCompatibilityTest {
    private static final byte[] KEY = {'k'};
    private static final KeyValue KV = new KeyValue(KEY, new byte[] {'v'}, 3, 4, 2);

    /** The record exactly as the first format wrote it: sequence, last use, then the result. */
    private static byte[] firstFormat(long clientId) {
        CommandCodec.Out out = new CommandCodec.Out();
        out.writeLong(6);            // last sequence
        out.writeLong(40);           // last used at index
        out.writeLong(40);           // result index
        out.write(0);                // status APPLIED
        out.write(0);                // not a duplicate
        out.write(1);                // key-value present
        out.writeLengthPrefixed(KV.key());
        out.writeLengthPrefixed(KV.value());
        out.writeLong(3);
        out.writeLong(4);
        out.writeLong(2);
        out.write(0);                // no reason
        return ChecksummedRecord.seal(StateRecords.sessionKey(clientId), out.toByteArray());
    }

    @Test
    void aRecordOfTheFirstFormatDecodesAndAnExtensionFreeResultKeepsItsBytes() {
        ApplyResult result = ApplyResult.applied(40, KV);
        Session decoded = StateRecords.decodeSession(11, firstFormat(11));
        assertThat(decoded).isEqualTo(new Session(11, 6, 40, result));
        assertThat(decoded.lastResult().previous()).isNull();
        assertThat(decoded.lastResult().txnResults()).isEmpty();
        assertThat(StateRecords.encodeSession(new Session(11, 6, 40, result))).isEqualTo(firstFormat(11));
    }

    @Test
    void previousValuesAndTransactionResultsRoundTrip() {
        List<ApplyResult> results = List.of(
                ApplyResult.appliedPut(9, KV, new KeyValue(KEY, new byte[0], 3, 3, 1)),
                ApplyResult.txn(10, true, List.of(new ApplyResult.PutOutcome(), new ApplyResult.DeleteOutcome(true),
                        new ApplyResult.DeleteOutcome(false), new ApplyResult.GetOutcome(KV),
                        new ApplyResult.GetOutcome(null))),
                ApplyResult.txn(11, false, List.of(new ApplyResult.GetOutcome(null))),
                ApplyResult.rejected(12, "stale").asDuplicateAt(13));
        for (ApplyResult r : results) {
            Session s = new Session(-4, 2, r.index(), r);
            assertThat(StateRecords.decodeSession(-4, StateRecords.encodeSession(s))).isEqualTo(s);
        }
    }

    @Test
    void anUnknownExtensionIsCorruptionNotSilence() {
        byte[] good = firstFormat(11);
        byte[] payload = ChecksummedRecord.open(StateRecords.sessionKey(11), good).array();
        byte[] body = java.util.Arrays.copyOfRange(payload, ChecksummedRecord.HEADER_BYTES, payload.length);
        byte[] extended = java.util.Arrays.copyOf(body, body.length + 1);
        extended[body.length] = 9;
        byte[] stored = ChecksummedRecord.seal(StateRecords.sessionKey(11), extended);
        assertThatThrownBy(() -> StateRecords.decodeSession(11, stored)).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("unknown result extension 9");
    }
}
