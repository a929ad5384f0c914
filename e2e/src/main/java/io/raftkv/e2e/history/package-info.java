/**
 * The client-operation history of a test run as JSON lines (format in docs/testing.md):
 * {@link Operation} and {@link OpKind}, written by many client threads with bounded memory
 * ({@link HistoryWriter}), read strictly ({@link HistoryReader}) through {@link HistoryCodec}.
 *
 * <p>Depends on no other {@code io.raftkv} package. Checked by {@code E2eArchitectureTest}.
 */
package io.raftkv.e2e.history;
