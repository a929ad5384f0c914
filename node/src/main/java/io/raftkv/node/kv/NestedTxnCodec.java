package io.raftkv.node.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * The encoding of a {@link NestedTxn} after its operation tag (41) in {@link CommandCodec}:
 *
 * <pre>
 * nested   = compares:varint compare* ops ops                 (success, failure)
 * compare  = key end target:u8 op:u8 (value | number:i64)      (value for target VALUE)
 * ops      = n:varint op*
 * op       = 1 key end revision:i64 limit:i64 sortOrder:u8 sortTarget:u8 flags:u8
 *              minMod:i64 maxMod:i64 minCreate:i64 maxCreate:i64   (range; flags 1 keys only, 2 count only)
 *          | 2 key value lease:i64 flags:u8                     (put; flags 1 prev_kv, 2 ignore value, 4 ignore lease)
 *          | 3 key end prevKv:u8                                (delete range)
 *          | 4 nested                                           (nested transaction)
 * key/end/value = length:varint bytes
 * </pre>
 * Targets, sort orders and sort targets are the ordinals of {@link NestedTxn.Target},
 * {@link NestedTxn.SortOrder} and {@link NestedTxn.SortTarget} (etcd's numbers); op is the ordinal
 * of {@link Command.CompareOp}. Decoding is as strict as {@link CommandCodec}'s, and checks the
 * depth before it descends, so a hostile entry cannot exhaust the stack.
 */
final class NestedTxnCodec {
    private static final int RANGE = 1;
    private static final int PUT = 2;
    private static final int DELETE_RANGE = 3;
    private static final int TXN = 4;

    private NestedTxnCodec() {}

    static void write(CommandCodec.Out out, NestedTxn t) {
        out.writeVarint(t.compares().size());
        for (NestedTxn.Compare c : t.compares()) {
            out.writeLengthPrefixed(c.key());
            out.writeLengthPrefixed(c.end());
            out.write(c.target().ordinal());
            out.write(c.op().ordinal());
            if (c.target() == NestedTxn.Target.VALUE) {
                out.writeLengthPrefixed(c.value());
            } else {
                out.writeLong(c.number());
            }
        }
        writeOps(out, t.success());
        writeOps(out, t.failure());
    }

    private static void writeOps(CommandCodec.Out out, List<NestedTxn.Op> ops) {
        out.writeVarint(ops.size());
        for (NestedTxn.Op op : ops) {
            if (op instanceof NestedTxn.Range r) {
                out.write(RANGE);
                out.writeLengthPrefixed(r.key());
                out.writeLengthPrefixed(r.end());
                out.writeLong(r.revision());
                out.writeLong(r.limit());
                out.write(r.sortOrder().ordinal());
                out.write(r.sortTarget().ordinal());
                out.write((r.keysOnly() ? 1 : 0) | (r.countOnly() ? 2 : 0));
                out.writeLong(r.minModRevision());
                out.writeLong(r.maxModRevision());
                out.writeLong(r.minCreateRevision());
                out.writeLong(r.maxCreateRevision());
            } else if (op instanceof NestedTxn.Put p) {
                out.write(PUT);
                out.writeLengthPrefixed(p.key());
                out.writeLengthPrefixed(p.value());
                out.writeLong(p.lease());
                out.write((p.prevKv() ? 1 : 0) | (p.ignoreValue() ? 2 : 0) | (p.ignoreLease() ? 4 : 0));
            } else if (op instanceof NestedTxn.DeleteRange d) {
                out.write(DELETE_RANGE);
                out.writeLengthPrefixed(d.key());
                out.writeLengthPrefixed(d.end());
                out.write(d.prevKv() ? 1 : 0);
            } else {
                out.write(TXN);
                write(out, ((NestedTxn.Nested) op).txn());
            }
        }
    }

    /** Reads a transaction at nesting level {@code depth} (1: the command's own). */
    static NestedTxn read(CommandCodec.In in, int depth) {
        if (depth > NestedTxn.MAX_DEPTH) {
            throw new MalformedCommandException(
                    "transactions nest deeper than " + NestedTxn.MAX_DEPTH + " levels at byte " + in.position());
        }
        int n = in.count("compares", Command.MAX_TXN_COMPARES);
        List<NestedTxn.Compare> compares = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] key = in.bytes("compare key", Command.MAX_KEY_BYTES);
            byte[] end = in.bytes("compare range end", Command.MAX_KEY_BYTES + 1);
            NestedTxn.Target target = ordinal(NestedTxn.Target.values(), in.u8("compare target"), "compare target");
            Command.CompareOp op = ordinal(Command.CompareOp.values(), in.u8("compare op"), "compare op");
            compares.add(
                    target == NestedTxn.Target.VALUE
                            ? new NestedTxn.Compare(
                                    key, end, target, op, 0, in.bytes("compared value", Command.MAX_VALUE_BYTES))
                            : new NestedTxn.Compare(key, end, target, op, in.i64("compared number"), null));
        }
        List<NestedTxn.Op> success = readOps(in, depth);
        List<NestedTxn.Op> failure = readOps(in, depth);
        return new NestedTxn(compares, success, failure);
    }

    private static List<NestedTxn.Op> readOps(CommandCodec.In in, int depth) {
        int n = in.count("transaction operations", Command.MAX_TXN_OPS);
        List<NestedTxn.Op> ops = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int tag = in.u8("transaction operation tag");
            switch (tag) {
                case RANGE -> {
                    byte[] key = in.bytes("range key", Command.MAX_KEY_BYTES);
                    byte[] end = in.bytes("range end", Command.MAX_KEY_BYTES + 1);
                    long revision = in.i64("range revision");
                    long limit = in.i64("range limit");
                    NestedTxn.SortOrder order =
                            ordinal(NestedTxn.SortOrder.values(), in.u8("sort order"), "sort order");
                    NestedTxn.SortTarget target =
                            ordinal(NestedTxn.SortTarget.values(), in.u8("sort target"), "sort target");
                    int flags = flags(in, 3, "range flags");
                    ops.add(new NestedTxn.Range(
                            key,
                            end,
                            revision,
                            limit,
                            order,
                            target,
                            (flags & 1) != 0,
                            (flags & 2) != 0,
                            in.i64("min mod revision"),
                            in.i64("max mod revision"),
                            in.i64("min create revision"),
                            in.i64("max create revision")));
                }
                case PUT -> {
                    byte[] key = in.bytes("key", Command.MAX_KEY_BYTES);
                    byte[] value = in.bytes("value", Command.MAX_VALUE_BYTES);
                    long lease = in.i64("lease id");
                    int flags = flags(in, 7, "put flags");
                    ops.add(new NestedTxn.Put(key, value, lease, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0));
                }
                case DELETE_RANGE -> {
                    byte[] key = in.bytes("delete key", Command.MAX_KEY_BYTES);
                    byte[] end = in.bytes("delete range end", Command.MAX_KEY_BYTES + 1);
                    ops.add(new NestedTxn.DeleteRange(key, end, flags(in, 1, "previous flag") == 1));
                }
                case TXN -> ops.add(new NestedTxn.Nested(read(in, depth + 1)));
                default ->
                    throw new MalformedCommandException("transaction operation tag " + tag + " at byte "
                            + (in.position() - 1) + " is not range, put, delete range or txn");
            }
        }
        return ops;
    }

    private static int flags(CommandCodec.In in, int allowed, String field) {
        int f = in.u8(field);
        if ((f & ~allowed) != 0) {
            throw new MalformedCommandException(
                    "unknown " + field + " 0x" + Integer.toHexString(f) + " at byte " + (in.position() - 1));
        }
        return f;
    }

    private static <E> E ordinal(E[] values, int ordinal, String field) {
        if (ordinal >= values.length) {
            throw new MalformedCommandException("unknown " + field + " " + ordinal);
        }
        return values[ordinal];
    }
}
