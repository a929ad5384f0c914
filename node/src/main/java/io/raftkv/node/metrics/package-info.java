/**
 * The node's Prometheus metrics (docs/metrics.md lists them with their etcd equivalents).
 *
 * <ul>
 *   <li>{@link io.raftkv.node.metrics.RaftKvMeters}: every meter's name and HELP text;</li>
 *   <li>{@link io.raftkv.node.metrics.LatencyBuckets}: the fixed histogram buckets of every latency;</li>
 *   <li>one {@link io.raftkv.node.metrics.MeterGroup} per source, removing its meters on close:
 *       {@link io.raftkv.node.metrics.NodeStatusMetrics} (Raft state, read at scrape time),
 *       {@link io.raftkv.node.metrics.DriverMetrics} (leader changes, apply, ReadIndex, stalls:
 *       recorded where they happen), {@link io.raftkv.node.metrics.ProposalMetrics},
 *       {@link io.raftkv.node.metrics.StorageMetrics} (fsync histogram, sizes, keys),
 *       {@link io.raftkv.node.metrics.PeerMetrics} (peer batches, heartbeat round trips),
 *       {@link io.raftkv.node.metrics.SnapshotMetrics};</li>
 *   <li>{@link io.raftkv.node.metrics.BuildInfo} ({@code raftkv_build_info}) and
 *       {@link io.raftkv.node.metrics.PrometheusMetrics} (the registry, JVM binders, scraping).</li>
 * </ul>
 *
 * <p>Depends on the core's types ({@code io.raftkv.raft}) and reads what it measures from
 * {@link io.raftkv.node.driver}, {@link io.raftkv.node.storage} and {@link io.raftkv.node.transport};
 * nothing but the composition root and the servers depend on it. Checked by {@code NodeArchitectureTest}.
 */
package io.raftkv.node.metrics;
