/**
 * {@code raftkvctl}, the command-line client ({@link RaftKvCtl}, picocli): get, put, delete, scan,
 * status, members, transfer-leader and snapshot commands, rendered as a table or JSON by
 * {@link Output}, with the stable exit codes of {@link ExitCode} (docs/api.md).
 *
 * <p>Depends on the RaftKV client ({@code io.raftkv.api..}) only, of RaftKV's packages.
 */
package io.raftkv.cli;
