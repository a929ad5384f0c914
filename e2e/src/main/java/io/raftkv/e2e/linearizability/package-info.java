/**
 * The linearizability checker ({@link LinearizabilityChecker}): per key, the Wing–Gong search with
 * Lowe's memoization ({@link RegisterSearch}, {@link VisitedSet}) under a {@link SearchBudget}, over
 * the key's informative operations ({@link KeyHistory}); verdicts per key and per history
 * ({@link KeyVerdict}, {@link CheckReport}, {@link Verdict}) and, for a failing key, a named
 * {@link Anomaly} with its {@link Violation}.
 *
 * <p>Depends on {@link io.raftkv.e2e.history} only. Checked by {@code E2eArchitectureTest}.
 */
package io.raftkv.e2e.linearizability;
