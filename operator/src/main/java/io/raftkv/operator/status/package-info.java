/**
 * Spec validation, status computation, conditions, events and the error status of a
 * RaftKvCluster.
 */
package io.raftkv.operator.status;
