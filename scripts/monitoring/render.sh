#!/usr/bin/env bash
# Renders the monitoring objects from their sources (make monitoring), or checks that the checked-in
# copies are up to date (make monitoring CHECK=1, run by make rules-test):
#   config/prometheus/rules/raftkv.rules.yaml   (source: alerting rules, promtool-tested)
#     -> config/prometheus/prometheus-rule.yaml          (PrometheusRule for kustomize)
#     -> charts/raftkv-operator/files/raftkv.rules.yaml  (the chart wraps it in a PrometheusRule)
#   scripts/monitoring/dashboards.py             (source: Grafana dashboards)
#     -> config/grafana/dashboards/*.json
#     -> charts/raftkv-operator/files/dashboards/*.json
set -euo pipefail
cd "$(dirname "$0")/../.."
CHECK="${CHECK:-}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

rules=config/prometheus/rules/raftkv.rules.yaml
mkdir -p "$out/config/prometheus" "$out/charts/raftkv-operator/files/dashboards" "$out/config/grafana/dashboards"
{
  echo "# Generated from config/prometheus/rules/raftkv.rules.yaml by scripts/monitoring/render.sh (make monitoring)."
  echo "# Needs the Prometheus Operator's CRDs (monitoring.coreos.com)."
  echo "apiVersion: monitoring.coreos.com/v1"
  echo "kind: PrometheusRule"
  echo "metadata:"
  echo "  name: raftkv"
  echo "  labels:"
  echo "    app.kubernetes.io/name: raftkv"
  echo "spec:"
  grep -v '^#' "$rules" | sed 's/^/  /'
} > "$out/config/prometheus/prometheus-rule.yaml"
cp "$rules" "$out/charts/raftkv-operator/files/raftkv.rules.yaml"
python3 scripts/monitoring/dashboards.py "$out/config/grafana/dashboards"
cp "$out"/config/grafana/dashboards/*.json "$out/charts/raftkv-operator/files/dashboards/"

files="config/prometheus/prometheus-rule.yaml charts/raftkv-operator/files/raftkv.rules.yaml
  $(cd "$out" && ls config/grafana/dashboards/*.json charts/raftkv-operator/files/dashboards/*.json)"
status=0
for f in $files; do
  if [[ -n "$CHECK" ]]; then
    if ! cmp -s "$out/$f" "$f"; then
      echo "render.sh: $f is out of date: run make monitoring" >&2
      status=1
    fi
  else
    mkdir -p "$(dirname "$f")"
    cp "$out/$f" "$f"
  fi
done
exit $status
