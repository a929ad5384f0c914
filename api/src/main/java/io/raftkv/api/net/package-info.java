/**
 * Network helpers shared by the client library and the node's servers:
 * {@link FlushCoalescing}, one socket flush per event-loop task for an HTTP/2 connection instead of
 * one per frame.
 *
 * <p>Depends on Vert.x and Netty only, on no other {@code io.raftkv} package. Checked by
 * {@code ApiArchitectureTest}.
 */
package io.raftkv.api.net;
