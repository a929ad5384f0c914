/**
 * The operator process: entry point, settings, and the JOSDK controller that reconciles
 * RaftKvClusters.
 *
 * <p>The operator's composition root: may depend on every package of the operator. Checked by
 * {@code OperatorArchitectureTest}.
 */
package io.raftkv.operator;
