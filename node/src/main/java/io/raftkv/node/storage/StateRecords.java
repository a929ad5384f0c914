package io.raftkv.node.storage;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.raft.ConfState;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary encodings of the state machine's records ({@code sm/}), each framed by
 * {@link ChecksummedRecord}. Encodings are deterministic, so equal states have equal bytes and
 * {@link KvStateMachine#stateHash()} can hash the stored bytes directly.
 */
final class StateRecords {
    static final byte[] APPLIED_KEY = "applied".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_REASON_BYTES = 1024;
    private static final int RESULT_EXTENSION_V1 = 1;
    private static final int TXN_PUT = 1;
    private static final int TXN_DELETE = 2;
    private static final int TXN_GET = 3;
    private static final int TXN_DELETE_RANGE = 4;

    private StateRecords() {}

    /** What the state machine has applied: index and term of the last entry, and the configuration. */
    record AppliedState(long index, long term, ConfState confState) {
        static final AppliedState EMPTY = new AppliedState(0, 0, ConfState.EMPTY);
    }

    static byte[] encodeApplied(AppliedState a) {
        ByteBuffer buf = ByteBuffer.allocate(2 * Long.BYTES + RaftRecords.confStateBytes(a.confState()));
        buf.putLong(a.index()).putLong(a.term());
        RaftRecords.writeConfState(buf, a.confState());
        return ChecksummedRecord.seal(APPLIED_KEY, buf.array());
    }

    static AppliedState decodeApplied(byte[] stored) {
        ByteBuffer buf = ChecksummedRecord.open(APPLIED_KEY, stored);
        try {
            AppliedState a = new AppliedState(buf.getLong(), buf.getLong(), RaftRecords.readConfState(buf));
            ChecksummedRecord.requireFullyRead(buf, "applied state");
            return a;
        } catch (BufferUnderflowException e) {
            throw new CorruptRecordException("applied state is truncated");
        }
    }

    /** {@code create:i64 mod:i64 version:i64 lease:i64 value} (storage format v2). */
    static byte[] encodeKv(KeyValue kv) {
        byte[] payload = ByteBuffer.allocate(4 * Long.BYTES + kv.value().length)
                .putLong(kv.createRevision())
                .putLong(kv.modRevision())
                .putLong(kv.version())
                .putLong(kv.lease())
                .put(kv.value())
                .array();
        return ChecksummedRecord.seal(kv.key(), payload);
    }

    static KeyValue decodeKv(byte[] key, byte[] stored) {
        ByteBuffer buf = ChecksummedRecord.open(key, stored);
        try {
            long create = buf.getLong();
            long mod = buf.getLong();
            long version = buf.getLong();
            long lease = buf.getLong();
            byte[] value = new byte[buf.remaining()];
            buf.get(value);
            return new KeyValue(key, value, create, mod, version, lease);
        } catch (BufferUnderflowException e) {
            throw new CorruptRecordException("value of key " + ChecksummedRecord.describeKey(key) + " is truncated");
        }
    }

    /**
     * A client session: the last sequence number applied, the log index of its last use (sessions
     * expire by log index, never by a clock) and the answer to that request, replayed on a retry.
     */
    record Session(long clientId, long lastSequence, long lastUsedIndex, ApplyResult lastResult) {}

    static byte[] sessionKey(long clientId) {
        return RaftRecords.indexKey(clientId);
    }

    static long clientIdOfSessionKey(byte[] key) {
        if (key.length != Long.BYTES) {
            throw new CorruptRecordException("session key of " + key.length + " bytes (expected 8)");
        }
        return ByteBuffer.wrap(key).getLong();
    }

    static byte[] encodeSession(Session s) {
        CommandCodec.Out out = new CommandCodec.Out();
        out.writeLong(s.lastSequence());
        out.writeLong(s.lastUsedIndex());
        writeResult(out, s.lastResult());
        return ChecksummedRecord.seal(sessionKey(s.clientId()), out.toByteArray());
    }

    static Session decodeSession(long clientId, byte[] stored) {
        ByteBuffer buf = ChecksummedRecord.open(sessionKey(clientId), stored);
        byte[] payload = new byte[buf.remaining()];
        buf.get(payload);
        CommandCodec.In in = new CommandCodec.In(payload);
        try {
            Session s = new Session(clientId, in.i64("sequence"), in.i64("last use"), readResult(in));
            if (in.position() != payload.length) {
                throw new CorruptRecordException("session " + clientId + " has trailing bytes");
            }
            return s;
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException("session " + clientId + " does not decode: " + e.getMessage());
        }
    }

    /**
     * A recorded result (storage format v2): {@code index revision status:u8 duplicate:u8 kv? reason?
     * [extension]}, where {@code kv?} is a presence byte and the key-value. The extension holds the
     * previous key-value of a Put and a transaction's per-op results; it is written only when one
     * of them is present.
     *
     * <pre>
     * kv        = key value create:i64 mod:i64 version:i64 lease:i64
     * extension = 1:u8  previous?  n:varint  (1 | 2 deleted:u8 | 3 kv? | 4 deleted:varint m:varint kv*)*
     *                                          (put | delete | get | delete range)
     * </pre>
     */
    private static void writeResult(CommandCodec.Out out, ApplyResult r) {
        out.writeLong(r.index());
        out.writeLong(r.revision());
        out.write(r.status().ordinal());
        out.write(r.duplicate() ? 1 : 0);
        writeOptionalKv(out, r.keyValue());
        out.write(r.reason() == null ? 0 : 1);
        if (r.reason() != null) {
            byte[] reason = r.reason().getBytes(StandardCharsets.UTF_8);
            out.writeLengthPrefixed(
                    reason.length <= MAX_REASON_BYTES ? reason : java.util.Arrays.copyOf(reason, MAX_REASON_BYTES));
        }
        if (r.previous() == null && r.txnResults().isEmpty()) {
            return;
        }
        out.write(RESULT_EXTENSION_V1);
        writeOptionalKv(out, r.previous());
        out.writeVarint(r.txnResults().size());
        for (ApplyResult.TxnOpResult op : r.txnResults()) {
            if (op instanceof ApplyResult.PutOutcome) {
                out.write(TXN_PUT);
            } else if (op instanceof ApplyResult.DeleteOutcome d) {
                out.write(TXN_DELETE);
                out.write(d.deleted() ? 1 : 0);
            } else if (op instanceof ApplyResult.DeleteRangeOutcome d) {
                out.write(TXN_DELETE_RANGE);
                out.writeVarint(d.deleted());
                out.writeVarint(d.previous().size());
                for (KeyValue kv : d.previous()) {
                    writeKv(out, kv);
                }
            } else {
                out.write(TXN_GET);
                writeOptionalKv(out, ((ApplyResult.GetOutcome) op).keyValue());
            }
        }
    }

    private static void writeOptionalKv(CommandCodec.Out out, KeyValue kv) {
        out.write(kv == null ? 0 : 1);
        if (kv != null) {
            writeKv(out, kv);
        }
    }

    private static void writeKv(CommandCodec.Out out, KeyValue kv) {
        out.writeLengthPrefixed(kv.key());
        out.writeLengthPrefixed(kv.value());
        out.writeLong(kv.createRevision());
        out.writeLong(kv.modRevision());
        out.writeLong(kv.version());
        out.writeLong(kv.lease());
    }

    private static ApplyResult readResult(CommandCodec.In in) {
        long index = in.i64("result index");
        long revision = in.i64("result revision");
        int status = in.u8("result status");
        if (status >= ApplyResult.Status.values().length) {
            throw new CorruptRecordException("unknown result status " + status);
        }
        boolean duplicate = in.u8("duplicate flag") == 1;
        KeyValue kv = readOptionalKv(in, "key-value flag");
        String reason = null;
        if (in.u8("reason flag") == 1) {
            reason = new String(in.bytes("reason", MAX_REASON_BYTES), StandardCharsets.UTF_8);
        }
        KeyValue previous = null;
        List<ApplyResult.TxnOpResult> ops = List.of();
        if (in.remaining() > 0) {
            int extension = in.u8("result extension");
            if (extension != RESULT_EXTENSION_V1) {
                throw new CorruptRecordException("unknown result extension " + extension);
            }
            previous = readOptionalKv(in, "previous key-value flag");
            int n = in.count("transaction results", Command.MAX_TXN_OPS);
            ops = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int tag = in.u8("transaction result tag");
                ops.add(
                        switch (tag) {
                            case TXN_PUT -> new ApplyResult.PutOutcome();
                            case TXN_DELETE -> new ApplyResult.DeleteOutcome(in.u8("deleted flag") == 1);
                            case TXN_GET -> new ApplyResult.GetOutcome(readOptionalKv(in, "get key-value flag"));
                            case TXN_DELETE_RANGE -> readDeleteRange(in);
                            default -> throw new CorruptRecordException("unknown transaction result tag " + tag);
                        });
            }
        }
        return new ApplyResult(
                index, revision, ApplyResult.Status.values()[status], duplicate, kv, previous, ops, reason);
    }

    private static ApplyResult.DeleteRangeOutcome readDeleteRange(CommandCodec.In in) {
        long deleted = in.varint("deleted count");
        int n = in.count("deleted key-values", Command.MAX_DELETE_RANGE_KEYS);
        List<KeyValue> previous = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            previous.add(readKv(in));
        }
        return new ApplyResult.DeleteRangeOutcome(deleted, previous);
    }

    private static KeyValue readOptionalKv(CommandCodec.In in, String flagName) {
        int present = in.u8(flagName);
        if (present > 1) {
            throw new CorruptRecordException("bad " + flagName + " " + present);
        }
        if (present == 0) {
            return null;
        }
        return readKv(in);
    }

    private static KeyValue readKv(CommandCodec.In in) {
        return new KeyValue(
                in.bytes("key", Command.MAX_KEY_BYTES),
                in.bytes("value", Command.MAX_VALUE_BYTES),
                in.i64("create revision"),
                in.i64("mod revision"),
                in.i64("version"),
                in.i64("lease"));
    }
}
