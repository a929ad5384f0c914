package io.raftkv.node.kv;

import java.util.List;
import java.util.Objects;

/**
 * What applying one committed entry did. A session records the whole result (see
 * {@link StateRecords}), so a retry of the same request is answered exactly as the first one was.
 *
 * @param index      the entry's log index
 * @param revision   the store revision after the entry ({@link Revisions}): the revision of its
 *                   changes if it changed keys, else the revision it observed. A duplicate carries
 *                   the first application's revision.
 * @param status     the outcome
 * @param duplicate  true if the entry repeated a session request already applied: nothing changed
 *                   and this is the cached answer of the first application
 * @param keyValue   {@link Status#APPLIED} Put or CompareAndSet: the key as written; Delete: the key
 *                   as it was before (null if it was absent); {@link Status#COMPARE_FAILED}
 *                   CompareAndSet: the key's current state (null if absent); otherwise null
 * @param previous   a Put whose command asked for it ({@link Command#returnPrevious()}): the key as it
 *                   was before the write, null if it was absent; otherwise always null
 * @param txnResults a transaction that ran a branch (APPLIED: success, COMPARE_FAILED: failure): one
 *                   result per op of that branch, same order; otherwise empty. Never null.
 * @param reason     why a {@link Status#REJECTED} or {@link Status#READ_LIMIT_EXCEEDED} entry changed
 *                   nothing, else null
 */
public record ApplyResult(
        long index,
        long revision,
        Status status,
        boolean duplicate,
        KeyValue keyValue,
        KeyValue previous,
        List<TxnOpResult> txnResults,
        String reason) {

    public ApplyResult {
        Objects.requireNonNull(status, "status");
        txnResults = List.copyOf(txnResults);
    }

    public enum Status {
        /** The command (or a transaction's success branch) was applied. */
        APPLIED,
        /** A compare did not hold: CompareAndSet changed nothing; a Txn applied its failure branch. */
        COMPARE_FAILED,
        /** The command was refused (malformed, expired session, stale sequence); nothing changed. */
        REJECTED,
        /** A leader no-op, a configuration change, or an entry already applied before: no KV change. */
        NO_OP,
        /**
         * The gets of a transaction would have returned more than {@link Command#MAX_TXN_READ_BYTES};
         * the transaction changed nothing. Stored by ordinal in session records: append new values
         * after this one, never reorder.
         */
        READ_LIMIT_EXCEEDED,
        /**
         * A put (or a transaction's put) named a lease that does not exist, or a client revoked an
         * unknown lease: nothing changed. Never recorded in a session (the sequence number stays
         * usable, as for {@link #READ_LIMIT_EXCEEDED}).
         */
        LEASE_NOT_FOUND,
        /**
         * An active cluster-wide alarm refuses this command ({@link AlarmType#refuses}); nothing
         * changed and a session is not advanced, so the same request can be retried once the alarm
         * is cleared. {@link ApplyResult#reason()} starts with the alarm type's name and a colon
         * ({@link ApplyResult#refusingAlarm()}).
         */
        ALARM
    }

    /** The outcome of one op of a transaction branch. */
    public sealed interface TxnOpResult
            permits PutOutcome, DeleteOutcome, GetOutcome, DeleteRangeOutcome, NestedTxn.Answer {}

    /** A put inside a transaction always succeeds. */
    public record PutOutcome() implements TxnOpResult {}

    /** @param deleted whether the key existed (and so was removed) when the op ran */
    public record DeleteOutcome(boolean deleted) implements TxnOpResult {}

    /** @param keyValue the key as the transaction saw it at this op, null when absent */
    public record GetOutcome(KeyValue keyValue) implements TxnOpResult {}

    /**
     * @param deleted  how many keys the op deleted
     * @param previous the deleted key-values in key order when the op asked for them, else empty
     */
    public record DeleteRangeOutcome(long deleted, List<KeyValue> previous) implements TxnOpResult {
        public DeleteRangeOutcome {
            previous = List.copyOf(previous);
        }
    }

    public static ApplyResult applied(long index, long revision, KeyValue kv) {
        return new ApplyResult(index, revision, Status.APPLIED, false, kv, null, List.of(), null);
    }

    public static ApplyResult appliedPut(long index, long revision, KeyValue written, KeyValue previousOrNull) {
        return new ApplyResult(index, revision, Status.APPLIED, false, written, previousOrNull, List.of(), null);
    }

    public static ApplyResult compareFailed(long index, long revision, KeyValue current) {
        return new ApplyResult(index, revision, Status.COMPARE_FAILED, false, current, null, List.of(), null);
    }

    /** A transaction that ran its success branch ({@code succeeded}) or its failure branch. */
    public static ApplyResult txn(long index, long revision, boolean succeeded, List<TxnOpResult> results) {
        return new ApplyResult(
                index, revision, succeeded ? Status.APPLIED : Status.COMPARE_FAILED, false, null, null, results, null);
    }

    public static ApplyResult rejected(long index, long revision, String reason) {
        return new ApplyResult(index, revision, Status.REJECTED, false, null, null, List.of(), reason);
    }

    public static ApplyResult readLimitExceeded(long index, long revision, String reason) {
        return new ApplyResult(index, revision, Status.READ_LIMIT_EXCEEDED, false, null, null, List.of(), reason);
    }

    public static ApplyResult leaseNotFound(long index, long revision, long lease) {
        return new ApplyResult(
                index,
                revision,
                Status.LEASE_NOT_FOUND,
                false,
                null,
                null,
                List.of(),
                "requested lease not found (lease " + lease + ")");
    }

    public static ApplyResult refusedByAlarm(long index, long revision, AlarmType type) {
        return new ApplyResult(
                index,
                revision,
                Status.ALARM,
                false,
                null,
                null,
                List.of(),
                type.name() + ": refused while the " + type.name() + " alarm is active (" + type.description() + ")");
    }

    /** The alarm type that refused an {@link Status#ALARM} result, else null. */
    public AlarmType refusingAlarm() {
        if (status != Status.ALARM || reason == null || reason.indexOf(':') < 0) {
            return null;
        }
        try {
            return AlarmType.valueOf(reason.substring(0, reason.indexOf(':')));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public static ApplyResult noOp(long index, long revision) {
        return new ApplyResult(index, revision, Status.NO_OP, false, null, null, List.of(), null);
    }

    public ApplyResult asDuplicateAt(long duplicateIndex) {
        return new ApplyResult(duplicateIndex, revision, status, true, keyValue, previous, txnResults, reason);
    }
}
