#!/usr/bin/env bash
# Usage: with-cleanup.sh RUN_DIR COMMAND...
# Runs COMMAND; whatever happens (failure, Ctrl-C, the JVM killed), SIGKILLs every process whose
# pid file the benchmark tool left under RUN_DIR/*/pids/ (cluster members it started), so that no
# etcd or RaftKV member outlives the benchmark. The tool removes pid files of members it stopped
# itself, so only leftovers are killed.
set -uo pipefail
run_dir="$1"
shift
mkdir -p "$run_dir"

cleanup() {
  local f pid
  for f in "$run_dir"/*/pids/*.pid; do
    [ -e "$f" ] || continue
    pid="$(cat "$f" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      echo "cleanup: killing leftover benchmark process $pid ($(basename "$f" .pid))" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$@"
