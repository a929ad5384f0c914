package io.raftkv.node.storage;

import io.raftkv.node.kv.ActiveAlarms;
import io.raftkv.node.kv.ActiveAlarms.Alarm;
import io.raftkv.node.kv.AlarmType;
import io.raftkv.node.kv.CommandCodec;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * How the state machine stores {@link ActiveAlarms}: one record under {@link #KEY} in its
 * {@code meta} family, written in the same batch as the entry that changed it (absent when no alarm
 * was ever raised, so state hashes of clusters that never raised one are unchanged).
 *
 * <pre>
 * record = n:varint (type:u8 member:i64)*     sealed by {@link ChecksummedRecord} under "alarms"
 * </pre>
 */
final class AlarmRecord {
    static final byte[] KEY = "alarms".getBytes(StandardCharsets.US_ASCII);

    private AlarmRecord() {}

    static byte[] encode(ActiveAlarms alarms) {
        CommandCodec.Out out = new CommandCodec.Out();
        out.writeVarint(alarms.alarms().size());
        for (Alarm a : alarms.alarms()) {
            out.write(a.type().code());
            out.writeLong(a.memberId());
        }
        return ChecksummedRecord.seal(KEY, out.toByteArray());
    }

    static ActiveAlarms decode(byte[] stored) {
        ByteBuffer buf = ChecksummedRecord.open(KEY, stored);
        byte[] payload = new byte[buf.remaining()];
        buf.get(payload);
        CommandCodec.In in = new CommandCodec.In(payload);
        try {
            int n = in.count("alarms", ActiveAlarms.MAX_ALARMS);
            List<Alarm> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(new Alarm(AlarmType.ofCode(in.u8("alarm type")), in.i64("alarm member")));
            }
            if (in.position() != payload.length) {
                throw new CorruptRecordException("alarm record has trailing bytes");
            }
            return new ActiveAlarms(out);
        } catch (IllegalArgumentException | BufferUnderflowException e) {
            throw new CorruptRecordException("alarm record does not decode: " + e.getMessage());
        }
    }
}
