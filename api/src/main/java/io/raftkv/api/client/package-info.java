/**
 * The RaftKV Java client: {@link RaftKvClient} (asynchronous, thread-safe, built by
 * {@link RaftKvClientBuilder}) and its {@link BlockingRaftKvClient} view. Inside: leader discovery
 * ({@link LeaderTracker}), the attempts of one logical call with deadlines, NOT_LEADER hints, backoff
 * and the retry-safety rules ({@link RetryingCaller}, {@link RetryPolicy}, {@link CallKind},
 * {@link WriteAttempts}), exactly-once write identities ({@link SessionPool}), M connections per node
 * ({@link Connections}, opened a few at a time by {@link ConnectionOpener}), the pipelined stream ({@link PipelineStream}, {@link PipelineStreams},
 * {@link PipelinedMethod}), TLS and token credentials ({@link ClientCredentials}) and verified
 * snapshot downloads ({@link SnapshotDownload}).
 *
 * <p>Depends on {@link io.raftkv.api} (errors, pipeline limits), {@link io.raftkv.api.net} and the
 * generated {@code io.raftkv.api.v1} messages; never on the node. Checked by
 * {@code ApiArchitectureTest}.
 */
package io.raftkv.api.client;
