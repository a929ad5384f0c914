/**
 * The corruption check ({@link io.raftkv.node.corruption.CorruptionCheck}, etcd's corrupt check):
 * the leader proposes hash points, compares every member's state hash at the same applied index and
 * raises the replicated {@code CORRUPT} alarm ({@code io.raftkv.node.alarm.Alarms}) for a member
 * whose state differs; periodically and once when a member starts.
 */
package io.raftkv.node.corruption;
