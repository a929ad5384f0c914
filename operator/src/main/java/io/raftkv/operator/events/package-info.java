/**
 * Kubernetes Events about a RaftKvCluster ({@link io.raftkv.operator.events.EventRecorder}): posted
 * by the reconcilers, the status code, the membership orchestration, recovery, backups and
 * security, so it sits below all of them.
 *
 * <p>Depends on no other operator package.
 */
package io.raftkv.operator.events;
