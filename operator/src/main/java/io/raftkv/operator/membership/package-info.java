/**
 * Raft membership orchestration: observing the nodes, planning one step (add, promote, remove,
 * transfer, restart) and performing it.
 */
package io.raftkv.operator.membership;
