package io.raftkv.node.kv;

import io.raftkv.node.kv.Command.Absent;
import io.raftkv.node.kv.Command.Compact;
import io.raftkv.node.kv.Command.Compare;
import io.raftkv.node.kv.Command.CompareAndSet;
import io.raftkv.node.kv.Command.Compared;
import io.raftkv.node.kv.Command.Delete;
import io.raftkv.node.kv.Command.DeleteRange;
import io.raftkv.node.kv.Command.Expectation;
import io.raftkv.node.kv.Command.Get;
import io.raftkv.node.kv.Command.LeaseGrant;
import io.raftkv.node.kv.Command.LeaseRevoke;
import io.raftkv.node.kv.Command.ModRevisionEquals;
import io.raftkv.node.kv.Command.Operation;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.Command.Session;
import io.raftkv.node.kv.Command.Txn;
import io.raftkv.node.kv.Command.TxnOp;
import io.raftkv.node.kv.Command.ValueCompared;
import io.raftkv.node.kv.Command.ValueEquals;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Compact binary encoding of {@link Command}s in entry data.
 *
 * <pre>
 * command   = version:u8 (=1)  flags:u8  [clientId:i64 seq:i64]  operation
 * flags     = bit 0: session follows;  bit 1: return the previous key-value (Put only)
 * operation = 1 key value | 2 key | 3 key expectation (0 | 1 value) | 4 compares ops ops
 *           | 20 id:i64 ttlSeconds:i64 (lease grant) | 21 id:i64 expired:u8 (lease revoke)
 *           | 22 key value lease:i64 (put attached to a lease)
 *           | 6 action:u8 (0 activate | 1 deactivate) type:u8 ({@link AlarmType#code()}) member:i64
 *           | 30 revision:i64 (compact)
 *           | 40 (hash check: a hash point of the corruption check, nothing follows)
 *           | 41 nested (an etcd Txn, {@link NestedTxn}: encoded by {@link NestedTxnCodec})
 * key/value = length:varint bytes
 * expectation = 0 (absent) | 1 value | 2 modRevision:i64 | 3 field:u8 op:u8 number:i64 | 4 op:u8 value
 * compares  = n:varint (key expectation)*
 * ops       = n:varint (1 key value | 22 key value lease:i64 | 2 key | 5 key
 *                       | 31 start (0 | 1 end) returnPrevious:u8)*          (delete range)
 * </pre>
 * Field and op are ordinals of {@link Command.Field} and {@link Command.CompareOp}.
 * Integers are big-endian; varints are unsigned LEB128. Decoding is strict: an unknown version,
 * tag or flag, a length past the end or over the limits, or trailing bytes throw
 * {@link MalformedCommandException}. Every replica decodes the same bytes the same way, so a
 * malformed committed entry is rejected identically everywhere.
 *
 * <p><b>Compatibility.</b> Flag bit 1 and the transaction op tag 5 (get) were added without a new
 * version byte: they only give meaning to byte sequences that version 1 refused, so every entry
 * ever written still decodes exactly as before, and a command that uses neither encodes to the
 * same bytes as before. A node built before them refuses such a command as malformed; in a
 * mixed-version cluster that replica would reject an entry the others apply, so finish a rolling
 * upgrade before clients use {@code prev_kv} on Put or a get inside a Txn (docs/api.md). Tags
 * 20–22 (leases) were added the same way: a put without a lease still encodes as tag 1. The
 * alarm operation (tag 6) was added the same way: a node built before it refuses alarm entries.
 * Tag 30 (compact), op tag 31 (delete range) and expectations 3-4 (revisions, storage format v2)
 * were added the same way; a node of storage format v1 cannot join a v2 cluster anyway (see
 * {@link StorageLayout}). Tag 40 (hash check) was added the same way: a node built before it
 * rejects the entry as malformed (which changes nothing), so the check simply finds no hash there.
 * Tag 41 (etcd Txn) was added the same way: a node built before it refuses such entries.
 */
public final class CommandCodec {
    public static final int VERSION = 1;

    private static final int OP_PUT = 1;
    private static final int OP_DELETE = 2;
    private static final int OP_CAS = 3;
    private static final int OP_TXN = 4;
    private static final int EXPECT_ABSENT = 0;
    private static final int EXPECT_VALUE = 1;
    private static final int EXPECT_MOD_INDEX = 2;
    private static final int OP_TXN_GET = 5;
    private static final int OP_LEASE_GRANT = 20;
    private static final int OP_LEASE_REVOKE = 21;
    private static final int OP_PUT_LEASE = 22;
    private static final int OP_ALARM = 6;
    private static final int OP_COMPACT = 30;
    private static final int OP_TXN_DELETE_RANGE = 31;
    private static final int OP_HASH_CHECK = 40;
    /** The whole encoding of a {@link Command.HashCheck}: version 1, no flags, tag 40. */
    private static final byte[] HASH_CHECK = {VERSION, 0, OP_HASH_CHECK};

    private static final int OP_NESTED_TXN = 41;
    private static final int EXPECT_COMPARED = 3;
    private static final int EXPECT_VALUE_COMPARED = 4;
    private static final int FLAG_SESSION = 1;
    private static final int FLAG_RETURN_PREVIOUS = 2;

    private CommandCodec() {}

    public static byte[] encode(Command c) {
        Out out = new Out();
        out.write(VERSION);
        out.write((c.session() == null ? 0 : FLAG_SESSION) | (c.returnPrevious() ? FLAG_RETURN_PREVIOUS : 0));
        if (c.session() != null) {
            out.writeLong(c.session().clientId());
            out.writeLong(c.session().sequence());
        }
        writeOperation(out, c.operation());
        return out.toByteArray();
    }

    /**
     * Whether {@code data} is the encoding of a {@link Command.HashCheck}, without decoding it (the
     * state machine looks for hash points in every batch before applying it).
     */
    public static boolean isHashCheck(byte[] data) {
        return java.util.Arrays.equals(data, HASH_CHECK);
    }

    /** @throws MalformedCommandException if {@code data} is not a valid encoded command */
    public static Command decode(byte[] data) {
        In in = new In(data);
        int version = in.u8("version");
        if (version != VERSION) {
            throw new MalformedCommandException("unknown command version " + version + " (expected " + VERSION + ")");
        }
        int flags = in.u8("flags");
        if ((flags & ~(FLAG_SESSION | FLAG_RETURN_PREVIOUS)) != 0) {
            throw new MalformedCommandException("unknown command flags 0x" + Integer.toHexString(flags));
        }
        try {
            Session session = (flags & FLAG_SESSION) != 0 ? new Session(in.i64("clientId"), in.i64("sequence")) : null;
            Operation op = readOperation(in);
            if (in.pos != data.length) {
                throw new MalformedCommandException((data.length - in.pos) + " trailing bytes after the command");
            }
            return new Command(session, op, (flags & FLAG_RETURN_PREVIOUS) != 0);
        } catch (MalformedCommandException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new MalformedCommandException("invalid command: " + e.getMessage());
        }
    }

    private static void writeOperation(Out out, Operation op) {
        if (op instanceof Put p) {
            out.write(p.lease() == 0 ? OP_PUT : OP_PUT_LEASE);
            out.writeLengthPrefixed(p.key());
            out.writeLengthPrefixed(p.value());
            if (p.lease() != 0) {
                out.writeLong(p.lease());
            }
        } else if (op instanceof LeaseGrant g) {
            out.write(OP_LEASE_GRANT);
            out.writeLong(g.id());
            out.writeLong(g.ttlSeconds());
        } else if (op instanceof LeaseRevoke r) {
            out.write(OP_LEASE_REVOKE);
            out.writeLong(r.id());
            out.write(r.expired() ? 1 : 0);
        } else if (op instanceof Compact c) {
            out.write(OP_COMPACT);
            out.writeLong(c.revision());
        } else if (op instanceof Delete d) {
            out.write(OP_DELETE);
            out.writeLengthPrefixed(d.key());
        } else if (op instanceof CompareAndSet c) {
            out.write(OP_CAS);
            out.writeLengthPrefixed(c.key());
            writeExpectation(out, c.expected());
            out.write(c.newValue() == null ? 0 : 1);
            if (c.newValue() != null) {
                out.writeLengthPrefixed(c.newValue());
            }
        } else if (op instanceof Txn t) {
            out.write(OP_TXN);
            out.writeVarint(t.compares().size());
            for (Compare cmp : t.compares()) {
                out.writeLengthPrefixed(cmp.key());
                writeExpectation(out, cmp.expected());
            }
            writeOps(out, t.onSuccess());
            writeOps(out, t.onFailure());
        } else if (op instanceof Command.HashCheck) {
            out.write(OP_HASH_CHECK);
        } else if (op instanceof NestedTxn n) {
            out.write(OP_NESTED_TXN);
            NestedTxnCodec.write(out, n);
        } else if (op instanceof Command.Alarm a) {
            out.write(OP_ALARM);
            out.write(a.action().ordinal());
            out.write(a.type().code());
            out.writeLong(a.memberId());
        } else {
            throw new IllegalArgumentException("unknown operation " + op);
        }
    }

    private static void writeOps(Out out, List<TxnOp> ops) {
        out.writeVarint(ops.size());
        for (TxnOp op : ops) {
            if (op instanceof Get g) {
                out.write(OP_TXN_GET);
                out.writeLengthPrefixed(g.key());
            } else if (op instanceof DeleteRange d) {
                out.write(OP_TXN_DELETE_RANGE);
                out.writeLengthPrefixed(d.start());
                out.write(d.end() == null ? 0 : 1);
                if (d.end() != null) {
                    out.writeLengthPrefixed(d.end());
                }
                out.write(d.returnPrevious() ? 1 : 0);
            } else {
                writeOperation(out, (Operation) op);
            }
        }
    }

    private static void writeExpectation(Out out, Expectation e) {
        if (e instanceof Absent) {
            out.write(EXPECT_ABSENT);
        } else if (e instanceof ValueEquals v) {
            out.write(EXPECT_VALUE);
            out.writeLengthPrefixed(v.value());
        } else if (e instanceof ModRevisionEquals m) {
            out.write(EXPECT_MOD_INDEX);
            out.writeLong(m.modRevision());
        } else if (e instanceof Compared c) {
            out.write(EXPECT_COMPARED);
            out.write(c.field().ordinal());
            out.write(c.op().ordinal());
            out.writeLong(c.number());
        } else if (e instanceof ValueCompared v) {
            out.write(EXPECT_VALUE_COMPARED);
            out.write(v.op().ordinal());
            out.writeLengthPrefixed(v.value());
        } else {
            throw new IllegalArgumentException("unknown expectation " + e);
        }
    }

    private static Operation readOperation(In in) {
        int tag = in.u8("operation tag");
        return switch (tag) {
            case OP_PUT -> new Put(in.bytes("key", Command.MAX_KEY_BYTES), in.bytes("value", Command.MAX_VALUE_BYTES));
            case OP_PUT_LEASE -> readLeasedPut(in);
            case OP_LEASE_GRANT -> new LeaseGrant(in.i64("lease id"), in.i64("lease TTL"));
            case OP_LEASE_REVOKE -> {
                long id = in.i64("lease id");
                int expired = in.u8("expired flag");
                if (expired > 1) {
                    throw new MalformedCommandException("bad expired flag " + expired + " at byte " + (in.pos - 1));
                }
                yield new LeaseRevoke(id, expired == 1);
            }
            case OP_COMPACT -> new Compact(in.i64("compact revision"));
            case OP_NESTED_TXN -> NestedTxnCodec.read(in, 1);
            case OP_DELETE -> new Delete(in.bytes("key", Command.MAX_KEY_BYTES));
            case OP_CAS -> {
                byte[] key = in.bytes("key", Command.MAX_KEY_BYTES);
                Expectation e = readExpectation(in);
                int hasNew = in.u8("new-value flag");
                if (hasNew > 1) {
                    throw new MalformedCommandException("bad new-value flag " + hasNew + " at byte " + (in.pos - 1));
                }
                yield new CompareAndSet(key, e, hasNew == 1 ? in.bytes("new value", Command.MAX_VALUE_BYTES) : null);
            }
            case OP_TXN -> {
                int n = in.count("compares", Command.MAX_TXN_COMPARES);
                List<Compare> compares = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    compares.add(new Compare(in.bytes("compare key", Command.MAX_KEY_BYTES), readExpectation(in)));
                }
                yield new Txn(compares, readOps(in), readOps(in));
            }
            case OP_HASH_CHECK -> new Command.HashCheck();
            case OP_ALARM -> {
                int action = in.u8("alarm action");
                if (action >= Command.AlarmAction.values().length) {
                    throw new MalformedCommandException("unknown alarm action " + action + " at byte " + (in.pos - 1));
                }
                yield new Command.Alarm(
                        Command.AlarmAction.values()[action],
                        AlarmType.ofCode(in.u8("alarm type")),
                        in.i64("alarm member"));
            }
            default -> throw new MalformedCommandException("unknown operation tag " + tag + " at byte " + (in.pos - 1));
        };
    }

    private static Put readLeasedPut(In in) {
        byte[] key = in.bytes("key", Command.MAX_KEY_BYTES);
        byte[] value = in.bytes("value", Command.MAX_VALUE_BYTES);
        long lease = in.i64("lease id");
        if (lease <= 0) {
            // Tag 22 always carries a lease: 0 is encoded as tag 1, so this is not a canonical encoding.
            throw new MalformedCommandException("leased put with lease id " + lease + " (must be > 0)");
        }
        return new Put(key, value, lease);
    }

    private static List<TxnOp> readOps(In in) {
        int n = in.count("transaction operations", Command.MAX_TXN_OPS);
        List<TxnOp> ops = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int tag = in.u8("transaction operation tag");
            switch (tag) {
                case OP_PUT ->
                    ops.add(new Put(
                            in.bytes("key", Command.MAX_KEY_BYTES), in.bytes("value", Command.MAX_VALUE_BYTES)));
                case OP_PUT_LEASE -> ops.add(readLeasedPut(in));
                case OP_DELETE -> ops.add(new Delete(in.bytes("key", Command.MAX_KEY_BYTES)));
                case OP_TXN_GET -> ops.add(new Get(in.bytes("key", Command.MAX_KEY_BYTES)));
                case OP_TXN_DELETE_RANGE -> {
                    byte[] start = in.bytes("range start", Command.MAX_KEY_BYTES);
                    int hasEnd = in.u8("range end flag");
                    if (hasEnd > 1) {
                        throw new MalformedCommandException(
                                "bad range end flag " + hasEnd + " at byte " + (in.pos - 1));
                    }
                    byte[] end = hasEnd == 1 ? in.bytes("range end", Command.MAX_KEY_BYTES + 1) : null;
                    int prev = in.u8("previous flag");
                    if (prev > 1) {
                        throw new MalformedCommandException("bad previous flag " + prev + " at byte " + (in.pos - 1));
                    }
                    ops.add(new DeleteRange(start, end, prev == 1));
                }
                default ->
                    throw new MalformedCommandException("transaction operation tag " + tag + " at byte " + (in.pos - 1)
                            + " is not put, delete, get or delete range");
            }
        }
        return ops;
    }

    private static Expectation readExpectation(In in) {
        int kind = in.u8("expectation");
        return switch (kind) {
            case EXPECT_ABSENT -> new Absent();
            case EXPECT_VALUE -> new ValueEquals(in.bytes("expected value", Command.MAX_VALUE_BYTES));
            case EXPECT_MOD_INDEX -> new ModRevisionEquals(in.i64("expected mod revision"));
            case EXPECT_COMPARED -> {
                int field = in.u8("compare field");
                int op = in.u8("compare op");
                if (field >= Command.Field.values().length || op >= Command.CompareOp.values().length) {
                    throw new MalformedCommandException("unknown compare field " + field + " or op " + op);
                }
                yield new Compared(
                        Command.Field.values()[field], Command.CompareOp.values()[op], in.i64("compare number"));
            }
            case EXPECT_VALUE_COMPARED -> {
                int op = in.u8("compare op");
                if (op >= Command.CompareOp.values().length) {
                    throw new MalformedCommandException("unknown compare op " + op);
                }
                yield new ValueCompared(
                        Command.CompareOp.values()[op], in.bytes("compared value", Command.MAX_VALUE_BYTES));
            }
            default -> throw new MalformedCommandException("unknown expectation " + kind + " at byte " + (in.pos - 1));
        };
    }

    /** Growable output with the primitive writers the format needs. */
    public static final class Out extends ByteArrayOutputStream {
        public Out() {
            super(64);
        }

        public void writeLong(long v) {
            for (int shift = 56; shift >= 0; shift -= 8) {
                write((int) (v >>> shift));
            }
        }

        public void writeVarint(long v) {
            while ((v & ~0x7FL) != 0) {
                write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            write((int) v);
        }

        public void writeLengthPrefixed(byte[] b) {
            writeVarint(b.length);
            write(b, 0, b.length);
        }
    }

    /** Bounds-checked reader; every failure names the field and the byte offset. */
    public static final class In {
        private final byte[] data;
        private int pos;

        public In(byte[] data) {
            if (data == null) {
                throw new MalformedCommandException("command data is null");
            }
            this.data = data;
        }

        public int u8(String field) {
            need(1, field);
            return data[pos++] & 0xFF;
        }

        public long i64(String field) {
            need(8, field);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (data[pos++] & 0xFF);
            }
            return v;
        }

        public long varint(String field) {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8(field);
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new MalformedCommandException(field + " varint too long at byte " + pos);
        }

        public int count(String field, int max) {
            long n = varint(field);
            if (n < 0 || n > max) {
                throw new MalformedCommandException(field + " count " + n + " exceeds the limit " + max);
            }
            return (int) n;
        }

        public byte[] bytes(String field, int maxLength) {
            long n = varint(field + " length");
            if (n < 0 || n > maxLength) {
                throw new MalformedCommandException(field + " length " + n + " exceeds the limit " + maxLength);
            }
            need((int) n, field);
            byte[] out = new byte[(int) n];
            System.arraycopy(data, pos, out, 0, out.length);
            pos += out.length;
            return out;
        }

        /** The offset of the next byte to read. */
        public int position() {
            return pos;
        }

        /** How many bytes are left to read. */
        public int remaining() {
            return data.length - pos;
        }

        private void need(int n, String field) {
            if (data.length - pos < n) {
                throw new MalformedCommandException("command ends at byte " + data.length + " inside " + field
                        + " (needs " + n + " more bytes at byte " + pos + ")");
            }
        }
    }
}
