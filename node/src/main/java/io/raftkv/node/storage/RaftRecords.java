package io.raftkv.node.storage;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * Binary encodings of the core's durable types. All integers are big-endian; every stored value is
 * wrapped by {@link ChecksummedRecord}. Log keys are 8-byte big-endian indexes so RocksDB's
 * bytewise order is log order and range deletes cover index ranges.
 */
final class RaftRecords {
    static final byte[] HARD_STATE_KEY = "hard_state".getBytes(StandardCharsets.US_ASCII);
    /** (index, term) of the last entry removed from the log: the log's offset, etcd's dummy entry. */
    static final byte[] COMPACTED_KEY = "compacted".getBytes(StandardCharsets.US_ASCII);
    /** Configuration a brand-new cluster starts from, written once by bootstrap. */
    static final byte[] BOOTSTRAP_CONF_KEY = "bootstrap_conf".getBytes(StandardCharsets.US_ASCII);

    /** Members in one ConfState: more than this in a stored record means the record is garbage. */
    private static final int MAX_MEMBERS = 1024;

    private RaftRecords() {}

    static byte[] indexKey(long index) {
        return ByteBuffer.allocate(Long.BYTES).putLong(index).array();
    }

    static long indexOfKey(byte[] key) {
        if (key.length != Long.BYTES) {
            throw new CorruptRecordException("log key of " + key.length + " bytes (expected 8)");
        }
        return ByteBuffer.wrap(key).getLong();
    }

    static byte[] encodeEntry(Entry e) {
        byte[] payload = ByteBuffer.allocate(Long.BYTES + 1 + e.data().length)
                .putLong(e.term())
                .put((byte) e.type().ordinal())
                .put(e.data())
                .array();
        return ChecksummedRecord.seal(indexKey(e.index()), payload);
    }

    static Entry decodeEntry(byte[] key, byte[] stored) {
        long index = indexOfKey(key);
        ByteBuffer buf = ChecksummedRecord.open(key, stored);
        try {
            long term = buf.getLong();
            int type = buf.get();
            if (type < 0 || type >= EntryType.values().length) {
                throw new CorruptRecordException("log entry #" + index + " has unknown type " + type);
            }
            byte[] data = new byte[buf.remaining()];
            buf.get(data);
            return new Entry(term, index, EntryType.values()[type], data);
        } catch (BufferUnderflowException e) {
            throw new CorruptRecordException("log entry #" + index + " is truncated");
        }
    }

    static byte[] encodeHardState(HardState hs) {
        byte[] payload = ByteBuffer.allocate(3 * Long.BYTES)
                .putLong(hs.term())
                .putLong(hs.vote())
                .putLong(hs.commit())
                .array();
        return ChecksummedRecord.seal(HARD_STATE_KEY, payload);
    }

    static HardState decodeHardState(byte[] stored) {
        ByteBuffer buf = ChecksummedRecord.open(HARD_STATE_KEY, stored);
        try {
            HardState hs = new HardState(buf.getLong(), buf.getLong(), buf.getLong());
            ChecksummedRecord.requireFullyRead(buf, "hard state");
            return hs;
        } catch (BufferUnderflowException e) {
            throw new CorruptRecordException("hard state is truncated");
        }
    }

    /** The log offset: {@code index} and {@code term} of the last compacted entry. */
    record Compacted(long index, long term) {
        static final Compacted NONE = new Compacted(0, 0);
    }

    static byte[] encodeCompacted(Compacted c) {
        return ChecksummedRecord.seal(
                COMPACTED_KEY,
                ByteBuffer.allocate(2 * Long.BYTES)
                        .putLong(c.index())
                        .putLong(c.term())
                        .array());
    }

    static Compacted decodeCompacted(byte[] stored) {
        ByteBuffer buf = ChecksummedRecord.open(COMPACTED_KEY, stored);
        try {
            Compacted c = new Compacted(buf.getLong(), buf.getLong());
            ChecksummedRecord.requireFullyRead(buf, "compaction marker");
            return c;
        } catch (BufferUnderflowException e) {
            throw new CorruptRecordException("compaction marker is truncated");
        }
    }

    static void writeConfState(ByteBuffer buf, ConfState cs) {
        buf.putInt(cs.voters().size());
        cs.voters().forEach(buf::putLong);
        buf.putInt(cs.learners().size());
        cs.learners().forEach(buf::putLong);
    }

    static int confStateBytes(ConfState cs) {
        return 2 * Integer.BYTES
                + Long.BYTES * (cs.voters().size() + cs.learners().size());
    }

    static ConfState readConfState(ByteBuffer buf) {
        Set<Long> voters = readIds(buf, "voters");
        Set<Long> learners = readIds(buf, "learners");
        try {
            return new ConfState(voters, learners);
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException("configuration is invalid: " + e.getMessage());
        }
    }

    private static Set<Long> readIds(ByteBuffer buf, String what) {
        int n = buf.getInt();
        if (n < 0 || n > MAX_MEMBERS) {
            throw new CorruptRecordException("configuration claims " + n + " " + what);
        }
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < n; i++) {
            ids.add(buf.getLong());
        }
        return ids;
    }

    static byte[] encodeConfState(byte[] key, ConfState cs) {
        ByteBuffer buf = ByteBuffer.allocate(confStateBytes(cs));
        writeConfState(buf, cs);
        return ChecksummedRecord.seal(key, buf.array());
    }

    static ConfState decodeConfState(byte[] key, byte[] stored) {
        ByteBuffer buf = ChecksummedRecord.open(key, stored);
        try {
            ConfState cs = readConfState(buf);
            ChecksummedRecord.requireFullyRead(buf, "configuration");
            return cs;
        } catch (BufferUnderflowException e) {
            throw new CorruptRecordException("configuration is truncated");
        }
    }

    /** Unframed encoding of snapshot metadata (used inside framed records and snapshot manifests). */
    static byte[] encodeSnapshotMetadata(SnapshotMetadata m) {
        ByteBuffer buf = ByteBuffer.allocate(2 * Long.BYTES + confStateBytes(m.confState()));
        buf.putLong(m.index()).putLong(m.term());
        writeConfState(buf, m.confState());
        return buf.array();
    }

    static SnapshotMetadata readSnapshotMetadata(ByteBuffer buf) {
        try {
            return new SnapshotMetadata(buf.getLong(), buf.getLong(), readConfState(buf));
        } catch (BufferUnderflowException e) {
            throw new CorruptRecordException("snapshot metadata is truncated");
        }
    }
}
