/**
 * Per-cluster Prometheus gauges exported by the operator.
 */
package io.raftkv.operator.metrics;
