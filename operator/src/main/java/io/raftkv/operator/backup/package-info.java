/**
 * Backups as resources: the {@code RaftKvBackup} controller (one Job per backup, running the node
 * image's {@code raftkvctl snapshot save} against the cluster's members, its result read back from
 * the pod's termination message into the status), the {@code RaftKvBackupSchedule} controller
 * (cron firings create RaftKvBackups; retention deletes old ones), and their metrics.
 *
 * <p>Depends on the custom resource's types, the owned objects' names ({@code dependents}), the
 * TLS settings ({@code security}) and the event recorder ({@code status}); nothing depends on it
 * but the operator's wiring.
 */
package io.raftkv.operator.backup;
