/**
 * Automatic compaction of the history (etcd's {@code --auto-compaction-mode} and
 * {@code --auto-compaction-retention}).
 *
 * <p>{@link io.raftkv.node.compaction.CompactionPolicy} decides, on virtual time, which revision to
 * compact at; {@link io.raftkv.node.compaction.AutoCompactor} runs it on one Vert.x context of the
 * member and, while the member is the ready leader, proposes an ordinary replicated
 * {@code Command.Compact}. Every member applies it like a manual {@code KV.Compact}: the compact
 * revision moves in the apply step and the old versions are deleted in the background, so writes
 * are never blocked.
 *
 * <p>Depends on the driver ({@code RaftNodeApi}), metrics and the state machine's contract
 * ({@link io.raftkv.node.kv}).
 */
package io.raftkv.node.compaction;
