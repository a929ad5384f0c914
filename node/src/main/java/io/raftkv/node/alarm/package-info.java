/**
 * Cluster-wide alarms and the space quota. {@link io.raftkv.node.alarm.Alarms} is the one API:
 * list the replicated alarm set, raise an alarm for this member, disarm, and the refusal a client
 * server gives a write while an alarm forbids it. The alarm state itself is replicated state of the
 * state machine ({@code io.raftkv.node.kv.ActiveAlarms}, {@code AlarmType},
 * {@code Command.Alarm}); {@link io.raftkv.node.alarm.AlarmService} serves it as
 * {@code raftkv.v1.Alarm}.
 */
package io.raftkv.node.alarm;
