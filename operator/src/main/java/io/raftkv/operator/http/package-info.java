/**
 * The operator's HTTP endpoint: /metrics, liveness and readiness.
 *
 * <p>Depends on no other {@code io.raftkv} package. Checked by {@code OperatorArchitectureTest}.
 */
package io.raftkv.operator.http;
