/**
 * Disaster recovery on Kubernetes (issue 22): bootstrapping a cluster from a backup
 * ({@code spec.restore}, {@link io.raftkv.operator.recovery.RestorePlanner}), reporting a lost quorum
 * with every survivor's term and last index and rebuilding from the survivor a user names
 * ({@link io.raftkv.operator.recovery.QuorumRecovery}). Decisions are pure functions of the
 * cluster, its StatefulSet and what the nodes answered; the reconciler applies them.
 */
package io.raftkv.operator.recovery;
