/**
 * What the observability test ({@code io.raftkv.e2e.k8s.ObservabilityIT}) needs besides the e2e
 * rig: a real Prometheus as a process and its HTTP API ({@link
 * io.raftkv.e2e.observability.PrometheusProcess}), the queries of the shipped dashboards and alerts
 * and the metrics they read ({@link io.raftkv.e2e.observability.DashboardQueries}), and the
 * rendering of dashboard panels over a run into a PNG ({@link io.raftkv.e2e.observability.PanelPicture}).
 */
package io.raftkv.e2e.observability;
