#!/usr/bin/env bash
# Installs etcd (server and etcdctl) from Debian's packages when it is not on PATH.
# Used by `make bench-compare` and `make bench-failover`.
set -euo pipefail
if command -v etcd >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "etcd is not installed; run as root or: sudo apt-get install -y etcd-server etcd-client" >&2
  exit 1
fi
echo "installing etcd-server and etcd-client from Debian's packages ..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client >/dev/null
# The package may start a system etcd on the default ports; the benchmark uses its own ports and
# data, so a running system service does not interfere, but say so.
if pgrep -x etcd >/dev/null 2>&1; then
  echo "note: a system etcd is running (pid $(pgrep -x etcd | tr '\n' ' ')); the benchmark starts its own members" >&2
fi
etcd --version | head -1 >&2
