package io.raftkv.node.kv;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A client write as it travels in a Raft entry: an operation, optionally under a client session
 * (Raft dissertation §6.3) so that a retried request is applied at most once. Encoded by
 * {@link CommandCodec}. Constructors validate the limits below, so a command that exists is legal.
 *
 * <p>The limits are part of the replicated protocol, not tuning: every replica must apply a
 * committed entry the same way, so a limit that decides an entry's outcome at apply time
 * ({@link #MAX_TXN_READ_BYTES}) must be the same on every node.
 *
 * @param session        client id and sequence number, or null for a write without retry protection
 * @param operation      what to do
 * @param returnPrevious {@link Put} only: the apply result also carries the key as it was before the
 *                       write ({@code prev_kv}), and a session records it for a retry's answer. Off
 *                       by default so that ordinary puts do not store a second copy of the value.
 */
public record Command(Session session, Operation operation, boolean returnPrevious) {
    /** Largest key, bytes. */
    public static final int MAX_KEY_BYTES = 4096;
    /** Largest value, bytes. */
    public static final int MAX_VALUE_BYTES = 1 << 20;
    /** Most compares in one transaction. */
    public static final int MAX_TXN_COMPARES = 32;
    /** Most operations in one branch of a transaction. */
    public static final int MAX_TXN_OPS = 64;
    /**
     * Most bytes (keys plus values) the {@link Get}s of one transaction may return. Decided at apply
     * time, since what a get returns depends on the state: a transaction over the bound changes
     * nothing and is answered {@link ApplyResult.Status#READ_LIMIT_EXCEEDED}. 4 MiB keeps the
     * answer, and the session record that replays it, well inside one gRPC message.
     */
    public static final int MAX_TXN_READ_BYTES = 4 << 20;
    /**
     * Most keys one {@link DeleteRange} may delete. Decided at apply time (the count depends on the
     * state): a delete over more keys changes nothing and is answered
     * {@link ApplyResult.Status#READ_LIMIT_EXCEEDED}; delete a large range in smaller ranges. Bounds
     * the write batch, the history rows and the watch events one entry produces.
     */
    public static final int MAX_DELETE_RANGE_KEYS = 10_000;

    public Command {
        Objects.requireNonNull(operation, "operation");
        if (session != null && operation instanceof NestedTxn) {
            throw new IllegalArgumentException("an etcd transaction (NestedTxn) carries no session");
        }
        if (returnPrevious && !(operation instanceof Put)) {
            throw new IllegalArgumentException("returnPrevious applies to Put only (Delete and CompareAndSet"
                    + " always report the key's state), got "
                    + operation.getClass().getSimpleName());
        }
    }

    /** A command that does not ask for the previous value. */
    public Command(Session session, Operation operation) {
        this(session, operation, false);
    }

    public static Command of(Operation op) {
        return new Command(null, op);
    }

    public static Command inSession(long clientId, long sequence, Operation op) {
        return new Command(new Session(clientId, sequence), op);
    }

    /** This command, asking for the key's previous state as well ({@link Put} only). */
    public Command withReturnPrevious() {
        return new Command(session, operation, true);
    }

    /**
     * @param clientId chosen at random by the client, never 0
     * @param sequence 1 for the client's first request, +1 for each new request; a retry reuses it
     */
    public record Session(long clientId, long sequence) {
        public Session {
            if (clientId == 0) {
                throw new IllegalArgumentException("clientId must not be 0");
            }
            if (sequence < 1) {
                throw new IllegalArgumentException("sequence must be ≥ 1, got " + sequence);
            }
        }
    }

    /** Something a command does. */
    public sealed interface Operation
            permits Put, Delete, CompareAndSet, Txn, LeaseGrant, LeaseRevoke, Alarm, Compact, HashCheck, NestedTxn {}

    /**
     * What a transaction branch may do. Ops run in order at the transaction's log position, so a
     * {@link Get} sees the ops before it and its answer is linearizable.
     */
    public sealed interface TxnOp permits Put, Delete, Get, DeleteRange {}

    /**
     * Sets {@code key} to {@code value}, attached to lease {@code lease} (0: none; a put without a
     * lease detaches the key from the lease it had).
     */
    public record Put(byte[] key, byte[] value, long lease) implements Operation, TxnOp {
        public Put {
            checkKey(key);
            checkValue(value);
            if (lease < 0) {
                throw new IllegalArgumentException("lease must be ≥ 0, got " + lease);
            }
        }

        /** A put that attaches no lease. */
        public Put(byte[] key, byte[] value) {
            this(key, value, 0);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Put p && Arrays.equals(p.key, key) && Arrays.equals(p.value, value) && p.lease == lease;
        }

        @Override
        public int hashCode() {
            return 31 * (31 * Arrays.hashCode(key) + Arrays.hashCode(value)) + Long.hashCode(lease);
        }

        @Override
        public String toString() {
            return "Put[" + key.length + "B key, " + value.length + "B value" + (lease == 0 ? "" : ", lease " + lease)
                    + "]";
        }
    }

    /**
     * Deletes every key in {@code [start, end)} ({@code end} null: every key from {@code start}),
     * at most {@link #MAX_DELETE_RANGE_KEYS}; with {@code returnPrevious} the result carries the
     * deleted key-values. Only inside a transaction (a delete by prefix is a one-op transaction).
     */
    public record DeleteRange(byte[] start, byte[] end, boolean returnPrevious) implements TxnOp {
        public DeleteRange {
            checkKey(start);
            if (end != null) {
                if (end.length > MAX_KEY_BYTES + 1) {
                    throw new IllegalArgumentException(
                            "range end must be at most " + (MAX_KEY_BYTES + 1) + " bytes, got " + end.length);
                }
                if (Arrays.compareUnsigned(start, end) >= 0) {
                    throw new IllegalArgumentException("range end must sort after the start");
                }
            }
        }

        /** Every key starting with {@code prefix}. */
        public static DeleteRange prefix(byte[] prefix, boolean returnPrevious) {
            return new DeleteRange(prefix, KeyRanges.prefixEnd(prefix), returnPrevious);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof DeleteRange d
                    && Arrays.equals(d.start, start)
                    && Arrays.equals(d.end, end)
                    && d.returnPrevious == returnPrevious;
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(start), Arrays.hashCode(end), returnPrevious);
        }

        @Override
        public String toString() {
            return "DeleteRange[" + start.length + "B start, " + (end == null ? "open" : end.length + "B") + " end]";
        }
    }

    /**
     * Compacts the history at {@code revision}: revisions before it can no longer be read or
     * watched (the state at {@code revision} and every change from it on stay). A revision at or
     * below the current compact revision changes nothing; one above the store's revision is
     * refused ({@link ApplyResult.Status#REJECTED}). The old versions are deleted in the background.
     */
    public record Compact(long revision) implements Operation {
        public Compact {
            if (revision < 1) {
                throw new IllegalArgumentException("compact revision must be ≥ 1, got " + revision);
            }
        }
    }

    /** Removes {@code key} (no-op if absent). */
    public record Delete(byte[] key) implements Operation, TxnOp {
        public Delete {
            checkKey(key);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Delete d && Arrays.equals(d.key, key);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(key);
        }

        @Override
        public String toString() {
            return "Delete[" + key.length + "B key]";
        }
    }

    /** Reads {@code key} inside a transaction (not a command of its own: plain reads are not logged). */
    public record Get(byte[] key) implements TxnOp {
        public Get {
            checkKey(key);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Get g && Arrays.equals(g.key, key);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(key);
        }

        @Override
        public String toString() {
            return "Get[" + key.length + "B key]";
        }
    }

    /** What a compare expects of a key. */
    public sealed interface Expectation permits ValueEquals, ModRevisionEquals, Absent, Compared, ValueCompared {}

    /** How a compare relates the key's field to the given one (etcd's Compare.CompareResult). */
    public enum CompareOp {
        EQUAL,
        GREATER,
        LESS,
        NOT_EQUAL;

        /** Whether {@code actual OP expected} holds for a comparison result {@code cmp} of actual vs expected. */
        public boolean holds(int cmp) {
            return switch (this) {
                case EQUAL -> cmp == 0;
                case GREATER -> cmp > 0;
                case LESS -> cmp < 0;
                case NOT_EQUAL -> cmp != 0;
            };
        }
    }

    /** A numeric field of a key; an absent key has 0 in each (etcd's semantics). */
    public enum Field {
        VERSION,
        CREATE_REVISION,
        MOD_REVISION,
        LEASE
    }

    /** {@code key.field OP number}; an absent key counts as 0 in every field. */
    public record Compared(Field field, CompareOp op, long number) implements Expectation {
        public Compared {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(op, "op");
        }
    }

    /** {@code key.value OP value} bytewise (unsigned); never holds for an absent key. */
    public record ValueCompared(CompareOp op, byte[] value) implements Expectation {
        public ValueCompared {
            Objects.requireNonNull(op, "op");
            checkValue(value);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ValueCompared v && v.op == op && Arrays.equals(v.value, value);
        }

        @Override
        public int hashCode() {
            return 31 * op.hashCode() + Arrays.hashCode(value);
        }
    }

    /** The key exists and holds exactly {@code value}. */
    public record ValueEquals(byte[] value) implements Expectation {
        public ValueEquals {
            checkValue(value);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ValueEquals v && Arrays.equals(v.value, value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }
    }

    /** The key exists and was last modified at store revision {@code modRevision}. */
    public record ModRevisionEquals(long modRevision) implements Expectation {
        public ModRevisionEquals {
            if (modRevision < 1) {
                throw new IllegalArgumentException("modRevision must be ≥ 1, got " + modRevision);
            }
        }
    }

    /** The key does not exist. */
    public record Absent() implements Expectation {}

    /**
     * If {@code key} meets {@code expected}, sets it to {@code newValue} (or deletes it when
     * {@code newValue} is null); otherwise changes nothing and reports the current value.
     */
    public record CompareAndSet(byte[] key, Expectation expected, byte[] newValue) implements Operation {
        public CompareAndSet {
            checkKey(key);
            Objects.requireNonNull(expected, "expected");
            if (newValue != null) {
                checkValue(newValue);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CompareAndSet c
                    && Arrays.equals(c.key, key)
                    && c.expected.equals(expected)
                    && Arrays.equals(c.newValue, newValue);
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(key), expected, Arrays.hashCode(newValue));
        }
    }

    /** One condition of a transaction. */
    public record Compare(byte[] key, Expectation expected) {
        public Compare {
            checkKey(key);
            Objects.requireNonNull(expected, "expected");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Compare c && Arrays.equals(c.key, key) && c.expected.equals(expected);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(key) + expected.hashCode();
        }
    }

    /** If every compare holds, applies {@code onSuccess} in order, otherwise {@code onFailure}. */
    public record Txn(List<Compare> compares, List<TxnOp> onSuccess, List<TxnOp> onFailure) implements Operation {
        public Txn {
            compares = List.copyOf(compares);
            onSuccess = List.copyOf(onSuccess);
            onFailure = List.copyOf(onFailure);
            if (compares.size() > MAX_TXN_COMPARES) {
                throw new IllegalArgumentException(
                        "a transaction has at most " + MAX_TXN_COMPARES + " compares, got " + compares.size());
            }
            if (onSuccess.size() > MAX_TXN_OPS || onFailure.size() > MAX_TXN_OPS) {
                throw new IllegalArgumentException("a transaction branch has at most " + MAX_TXN_OPS
                        + " operations, got " + Math.max(onSuccess.size(), onFailure.size()));
            }
        }
    }

    /** Longest lease TTL, seconds (etcd's bound). */
    public static final long MAX_LEASE_TTL_SECONDS = 9_000_000_000L;

    /**
     * Creates lease {@code id} with a TTL of {@code ttlSeconds}; refused (status
     * {@link ApplyResult.Status#REJECTED}) if the id is in use. The id is chosen before proposing
     * (by the client or the leader), so applying the grant is deterministic.
     */
    public record LeaseGrant(long id, long ttlSeconds) implements Operation {
        public LeaseGrant {
            if (id <= 0) {
                throw new IllegalArgumentException("lease id must be > 0, got " + id);
            }
            if (ttlSeconds < 1 || ttlSeconds > MAX_LEASE_TTL_SECONDS) {
                throw new IllegalArgumentException(
                        "lease TTL must be 1.." + MAX_LEASE_TTL_SECONDS + " seconds, got " + ttlSeconds);
            }
        }
    }

    /**
     * Raises ({@link AlarmAction#ACTIVATE}) or clears ({@link AlarmAction#DEACTIVATE}) a cluster-wide
     * alarm ({@link AlarmType}, {@link ActiveAlarms}). Never refused by an active alarm, so an alarm
     * can always be cleared.
     *
     * @param memberId the member the alarm is about (≥ 1); DEACTIVATE also accepts 0: every member
     */
    public record Alarm(AlarmAction action, AlarmType type, long memberId) implements Operation {
        public Alarm {
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(type, "type");
            if (memberId < 0 || (memberId == 0 && action == AlarmAction.ACTIVATE)) {
                throw new IllegalArgumentException(
                        "an alarm is raised for a member id ≥ 1 (cleared for ≥ 0), got " + memberId);
            }
        }
    }

    /**
     * Deletes lease {@code id} and every key attached to it, in this one entry. {@code expired}: the
     * leader proposes it because the lease's TTL ran out on its clock; an unknown lease is then a
     * no-op (it was revoked meanwhile), where a client's revoke of an unknown lease is answered
     * {@link ApplyResult.Status#LEASE_NOT_FOUND}.
     */
    public record LeaseRevoke(long id, boolean expired) implements Operation {
        public LeaseRevoke {
            if (id <= 0) {
                throw new IllegalArgumentException("lease id must be > 0, got " + id);
            }
        }
    }

    /**
     * A hash point of the corruption check: changes nothing, but every member hashes its state as
     * of exactly this entry ({@link KvStateMachine#hashAt(long)}), so the hashes of all replicas
     * describe the same applied index and must be equal. Proposed by the leader
     * ({@code io.raftkv.node.alarm.CorruptionCheck}); never refused by an alarm.
     */
    public record HashCheck() implements Operation {}

    /** What an {@link Alarm} command does; the ordinal is its wire code, so append only. */
    public enum AlarmAction {
        ACTIVATE,
        DEACTIVATE
    }

    public static void checkKey(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length == 0 || key.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key must be 1.." + MAX_KEY_BYTES + " bytes, got " + key.length);
        }
    }

    static void checkValue(byte[] value) {
        Objects.requireNonNull(value, "value");
        if (value.length > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException(
                    "value must be at most " + MAX_VALUE_BYTES + " bytes, got " + value.length);
        }
    }
}
