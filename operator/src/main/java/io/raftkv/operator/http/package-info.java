/**
 * The operator's HTTP endpoint: /metrics, liveness and readiness.
 */
package io.raftkv.operator.http;
