package io.raftkv.api.client;

/**
 * Whether a call may be repeated after an ambiguous failure (a timeout, a lost connection after
 * sending, ABORTED), when the first attempt may have been applied.
 */
enum CallKind {
    /** Reads, and writes carrying a session: the node applies a session write at most once. */
    RETRY_SAFE,
    /**
     * Writes without a session and membership changes: repeated only when the node certainly did
     * not propose them (NOT_LEADER, UNAVAILABLE with reason NO_LEADER, RESOURCE_EXHAUSTED,
     * connection refused; see {@code RetryingCaller.serverMayHaveProposed}); an ambiguous failure,
     * including a plain UNAVAILABLE, ends the call with {@code isOutcomeUnknown() == true}.
     */
    AT_MOST_ONCE
}
