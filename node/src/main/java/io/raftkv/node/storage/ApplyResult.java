package io.raftkv.node.storage;

/**
 * What applying one committed entry did.
 *
 * @param index     the entry's log index
 * @param status    the outcome
 * @param duplicate true if the entry repeated a session request already applied: nothing changed
 *                  and this is the cached answer of the first application
 * @param keyValue  {@link Status#APPLIED} Put or CompareAndSet: the key as written; Delete: the key
 *                  as it was before (null if it was absent); {@link Status#COMPARE_FAILED}
 *                  CompareAndSet: the key's current state (null if absent); otherwise null
 * @param reason    why a {@link Status#REJECTED} entry was rejected, else null
 */
public record ApplyResult(long index, Status status, boolean duplicate, KeyValue keyValue, String reason) {

    public enum Status {
        /** The command (or a transaction's success branch) was applied. */
        APPLIED,
        /** A compare did not hold: CompareAndSet changed nothing; a Txn applied its failure branch. */
        COMPARE_FAILED,
        /** The command was refused (malformed, expired session, stale sequence); nothing changed. */
        REJECTED,
        /** A leader no-op, a configuration change, or an entry already applied before: no KV change. */
        NO_OP
    }

    static ApplyResult applied(long index, KeyValue kv) {
        return new ApplyResult(index, Status.APPLIED, false, kv, null);
    }

    static ApplyResult compareFailed(long index, KeyValue current) {
        return new ApplyResult(index, Status.COMPARE_FAILED, false, current, null);
    }

    static ApplyResult rejected(long index, String reason) {
        return new ApplyResult(index, Status.REJECTED, false, null, reason);
    }

    static ApplyResult noOp(long index) {
        return new ApplyResult(index, Status.NO_OP, false, null, null);
    }

    ApplyResult asDuplicateAt(long duplicateIndex) {
        return new ApplyResult(duplicateIndex, status, true, keyValue, reason);
    }
}
