/**
 * Per-cluster Prometheus gauges exported by the operator.
 *
 * <p>Depends on the custom resource's types ({@link io.raftkv.operator.api.v1alpha1}) only. Checked
 * by {@code OperatorArchitectureTest}.
 */
package io.raftkv.operator.metrics;
