/**
 * What both ends of the client wire agree on, beside the generated messages of
 * {@code io.raftkv.api.v1}: how an error travels ({@link ErrorReason} in the {@link ErrorTrailers},
 * rebuilt as a {@link RaftKvException} on either side) and the message sizes of the pipelined stream
 * ({@link PipelineLimits}). docs/api.md is the reference.
 *
 * <p>Depends on {@code io.raftkv.api.v1} only; the node's server and the client library both depend
 * on it. Checked by {@code ApiArchitectureTest}.
 */
package io.raftkv.api;
