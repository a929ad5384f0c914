/**
 * What every harness that runs RaftKV node processes (or etcd members) on loopback shares:
 * {@link FreePorts} (loopback ports free right now), {@link ManagedProcess} (one child process with
 * its log appended across restarts, harness marker lines, an optional pid file for shell clean-up,
 * SIGKILL / SIGTERM-with-grace / SIGSTOP / SIGCONT and the exit code), {@link NodeJvm} (the
 * command line of a node JVM, from its jar or from a class path, with the JVM options of
 * {@code scripts/run-local.sh} and RocksDB's library directory from {@link RocksDbLibrary}, extracted
 * once rather than by each JVM into {@code /tmp}), {@link EtcdMember} (the command line of a member of a new etcd
 * cluster, for the comparisons with etcd), and the cluster core: {@link ClusterLayout} (the founding
 * voters' ids, ports and data directories and the flags that make them one cluster, with a
 * {@link ClusterLayout.PeerWiring}: direct, or through the chaos harness's proxy mesh; the flags of a
 * joiner), {@link LeaderAgreement} (when a leader counts as elected: vouched for by a quorum, or
 * settled on by every running member) and {@link Poll} (a bounded wait). Used by node's process tests
 * ({@code io.raftkv.node.it}), the chaos harness ({@code io.raftkv.chaos.cluster}) and bench's local
 * clusters ({@code io.raftkv.bench.cluster}). Beside them, {@link S3rver}: a real S3-protocol server
 * (s3rver from npm, pinned by the lock file in this module's resources) over http or https, for the
 * backup tests of cli and e2e.
 *
 * <p>Depends on the JDK only (no RaftKV module, so the node's own tests can use it). Checked by
 * {@code TestkitArchitectureTest}.
 */
package io.raftkv.testkit;
