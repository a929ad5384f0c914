package io.raftkv.node.server;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.Session;
import io.raftkv.api.v1.TxnOp;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.node.driver.ReadConsistency;
import io.raftkv.node.kv.Command;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Validates KV requests against {@link ServerLimits} and turns writes into {@link Command}s. Every
 * check runs before anything is proposed, and every rejection is an INVALID_ARGUMENT
 * {@link RaftKvException} whose message names the field, the value's size and the limit with its
 * flag name, e.g. {@code "key is 5000 bytes, more than the limit of 4096 (maxKeyBytes)"}.
 */
public final class KvRequests {
    /** The smallest possible key: every stored key (non-empty) sorts at or after it. */
    static final byte[] FIRST_KEY = {0};

    private final ServerLimits limits;

    public KvRequests(ServerLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * A range to read: {@code [start, endOrNull)}, at most {@code limit} keys, at {@code revision}
     * (0: current), only counted with {@code countOnly}.
     */
    public record RangeQuery(byte[] start, byte[] endOrNull, int limit, long revision, boolean countOnly) {
        public RangeQuery(byte[] start, byte[] endOrNull, int limit) {
            this(start, endOrNull, limit, 0, false);
        }
    }

    /** With {@code prev_kv} the command asks the state machine for the key's previous state. */
    public Command put(PutRequest r) {
        byte[] key = key("key", r.getKey());
        byte[] value = value("value", r.getValue());
        Command c = withSession(
                r.hasSession() ? r.getSession() : null, new Command.Put(key, value, lease("lease", r.getLease())));
        return r.getPrevKv() ? c.withReturnPrevious() : c;
    }

    /**
     * A single-key delete, or, with {@code prefix} or {@code range_end}, a one-op transaction
     * deleting the range ({@link Command.DeleteRange}).
     */
    public Command delete(DeleteRequest r) {
        byte[] key = key("key", r.getKey());
        Session s = r.hasSession() ? r.getSession() : null;
        if (r.getPrefix() && !r.getRangeEnd().isEmpty()) {
            throw GrpcErrors.invalid("prefix and range_end are exclusive");
        }
        if (!r.getPrefix() && r.getRangeEnd().isEmpty()) {
            return withSession(s, new Command.Delete(key));
        }
        Command.DeleteRange d;
        if (r.getPrefix()) {
            d = Command.DeleteRange.prefix(key, r.getPrevKv());
        } else {
            byte[] end = bounded("range_end", r.getRangeEnd());
            if (Arrays.compareUnsigned(key, end) >= 0) {
                throw GrpcErrors.invalid("inverted range: key must sort before range_end");
            }
            d = new Command.DeleteRange(key, end, r.getPrevKv());
        }
        return withSession(s, new Command.Txn(List.of(), List.of(d), List.of()));
    }

    /** Whether {@code r} deletes a range (answered from a one-op transaction's result). */
    public static boolean deletesRange(DeleteRequest r) {
        return r.getPrefix() || !r.getRangeEnd().isEmpty();
    }

    /** A compaction: the revision must be ≥ 1. */
    public Command compact(io.raftkv.api.v1.CompactRequest r) {
        if (r.getRevision() < 1) {
            throw GrpcErrors.invalid("revision must be ≥ 1, got " + r.getRevision());
        }
        return Command.of(new Command.Compact(r.getRevision()));
    }

    public Command compareAndSet(CompareAndSetRequest r) {
        if (!r.hasCompare()) {
            throw GrpcErrors.invalid("compare is required");
        }
        Command.Compare c = compare("compare", r.getCompare());
        byte[] newValue = switch (r.getAction()) {
            case PUT -> value("value", r.getValue());
            case DELETE -> {
                if (!r.getValue().isEmpty()) {
                    throw GrpcErrors.invalid("value must be empty when action is DELETE, got "
                            + r.getValue().size() + " bytes");
                }
                yield null;
            }
            case UNRECOGNIZED -> throw GrpcErrors.invalid("unknown action " + r.getActionValue());
        };
        return withSession(
                r.hasSession() ? r.getSession() : null, new Command.CompareAndSet(c.key(), c.expected(), newValue));
    }

    /** Compares and both branches (puts, deletes and gets), each within the transaction limits. */
    public Command txn(TxnRequest r) {
        if (r.getComparesCount() > limits.maxTxnCompares()) {
            throw GrpcErrors.invalid("txn has " + r.getComparesCount() + " compares, more than the limit of "
                    + limits.maxTxnCompares() + " (maxTxnCompares)");
        }
        List<Command.Compare> compares = new ArrayList<>(r.getComparesCount());
        for (int i = 0; i < r.getComparesCount(); i++) {
            compares.add(compare("compares[" + i + "]", r.getCompares(i)));
        }
        List<Command.TxnOp> success = ops("success", r.getSuccessList());
        List<Command.TxnOp> failure = ops("failure", r.getFailureList());
        return withSession(r.hasSession() ? r.getSession() : null, new Command.Txn(compares, success, failure));
    }

    public byte[] getKey(ByteString key) {
        return key("key", key);
    }

    public RangeQuery range(RangeRequest r) {
        long requested = Integer.toUnsignedLong(r.getLimit());
        if (requested > limits.maxRangeLimit()) {
            throw GrpcErrors.invalid("limit is " + requested + ", more than the limit of " + limits.maxRangeLimit()
                    + " (maxRangeLimit)");
        }
        int limit = requested == 0 ? limits.maxRangeLimit() : (int) requested;
        if (r.getRevision() < 0) {
            throw GrpcErrors.invalid("revision must be ≥ 0, got " + r.getRevision());
        }
        RangeQuery q = switch (r.getSelectorCase()) {
            case PREFIX -> {
                byte[] prefix = bounded("prefix", r.getPrefix());
                yield prefix.length == 0
                        ? new RangeQuery(FIRST_KEY, null, limit)
                        : new RangeQuery(prefix, prefixEnd(prefix), limit);
            }
            case INTERVAL -> {
                byte[] start = bounded("interval.start", r.getInterval().getStart());
                byte[] end = bounded("interval.end", r.getInterval().getEnd());
                if (end.length > 0 && Arrays.compareUnsigned(start, end) >= 0) {
                    throw GrpcErrors.invalid("inverted range: interval.start must sort before interval.end"
                            + " (an empty end means \"to the last key\")");
                }
                yield new RangeQuery(start.length == 0 ? FIRST_KEY : start, end.length == 0 ? null : end, limit);
            }
            case SELECTOR_NOT_SET -> new RangeQuery(FIRST_KEY, null, limit);
        };
        return new RangeQuery(q.start(), q.endOrNull(), q.limit(), r.getRevision(), r.getCountOnly());
    }

    /** Maps the wire consistency to the driver's; the zero value is LINEARIZABLE. */
    public static ReadConsistency consistency(io.raftkv.api.v1.ReadConsistency c) {
        return switch (c) {
            case LINEARIZABLE -> ReadConsistency.LINEARIZABLE;
            case LEASE -> ReadConsistency.LEASE;
            case SERIALIZABLE -> ReadConsistency.SERIALIZABLE;
            case UNRECOGNIZED -> throw GrpcErrors.invalid("unknown read consistency");
        };
    }

    /** The smallest key after every key that starts with {@code prefix}; null when there is none. */
    static byte[] prefixEnd(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] end = Arrays.copyOf(prefix, i + 1);
                end[i]++;
                return end;
            }
        }
        return null;
    }

    private List<Command.TxnOp> ops(String branch, List<TxnOp> ops) {
        if (ops.size() > limits.maxTxnOps()) {
            throw GrpcErrors.invalid("txn " + branch + " has " + ops.size() + " operations, more than the limit of "
                    + limits.maxTxnOps() + " (maxTxnOps)");
        }
        List<Command.TxnOp> out = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            TxnOp op = ops.get(i);
            String where = branch + "[" + i + "]";
            out.add(
                    switch (op.getOpCase()) {
                        case PUT ->
                            new Command.Put(
                                    key(where + ".put.key", op.getPut().getKey()),
                                    value(where + ".put.value", op.getPut().getValue()),
                                    lease(where + ".put.lease", op.getPut().getLease()));
                        case DELETE ->
                            new Command.Delete(
                                    key(where + ".delete.key", op.getDelete().getKey()));
                        case GET ->
                            new Command.Get(key(where + ".get.key", op.getGet().getKey()));
                        case OP_NOT_SET -> throw GrpcErrors.invalid(where + ": no operation set");
                    });
        }
        return out;
    }

    /** A lease id to attach: 0 (none) or positive. */
    static long lease(String field, long lease) {
        if (lease < 0) {
            throw GrpcErrors.invalid(field + " must be ≥ 0 (0: no lease), got " + lease);
        }
        return lease;
    }

    private Command.Compare compare(String where, Compare c) {
        byte[] key = key(where + ".key", c.getKey());
        Command.Expectation expected = switch (c.getTarget()) {
            case VALUE -> new Command.ValueEquals(value(where + ".value", c.getValue()));
            case MOD_INDEX -> {
                if (c.getModIndex() < 1) {
                    throw GrpcErrors.invalid(where + ".mod_index must be ≥ 1 for target MOD_INDEX, got "
                            + Long.toUnsignedString(c.getModIndex()));
                }
                yield new Command.ModRevisionEquals(c.getModIndex());
            }
            case ABSENT -> new Command.Absent();
            case TARGET_UNSPECIFIED, UNRECOGNIZED ->
                throw GrpcErrors.invalid(where + ".target must be VALUE, MOD_INDEX or ABSENT");
        };
        return new Command.Compare(key, expected);
    }

    private Command withSession(Session s, Command.Operation op) {
        if (s == null || s.getClientId() == 0) {
            return Command.of(op);
        }
        if (s.getSeq() < 1) {
            throw GrpcErrors.invalid(
                    "session.seq must be ≥ 1 when session.client_id is set, got " + Long.toUnsignedString(s.getSeq()));
        }
        return Command.inSession(s.getClientId(), s.getSeq(), op);
    }

    private byte[] key(String field, ByteString key) {
        if (key.isEmpty()) {
            throw GrpcErrors.invalid(field + " must not be empty");
        }
        return bounded(field, key);
    }

    private byte[] bounded(String field, ByteString key) {
        if (key.size() > limits.maxKeyBytes()) {
            throw GrpcErrors.invalid(field + " is " + key.size() + " bytes, more than the limit of "
                    + limits.maxKeyBytes() + " (maxKeyBytes)");
        }
        return key.toByteArray();
    }

    private byte[] value(String field, ByteString value) {
        if (value.size() > limits.maxValueBytes()) {
            throw GrpcErrors.invalid(field + " is " + value.size() + " bytes, more than the limit of "
                    + limits.maxValueBytes() + " (maxValueBytes)");
        }
        return value.toByteArray();
    }
}
