#!/usr/bin/env bash
# Builds the node's AppCDS archive (class-data sharing, JDK 17 dynamic archive): one training run of
# a fresh 1-node cluster started with -XX:ArchiveClassesAtExit, stopped with SIGTERM once it is ready
# (leader elected, client port serving). Every class the node loaded by then (Vert.x, Netty, gRPC,
# protobuf, RocksJava, Micrometer and RaftKV's own) is stored pre-parsed and verified in the archive,
# and a node started with -XX:SharedArchiveFile=<archive> maps them instead of loading them from the
# jar: about half the CPU and time to ready (docs/results/2026-12-08-warm-start.md).
#
#   scripts/cds-archive.sh JAR [ARCHIVE]    ARCHIVE defaults to the jar's path with .jsa for .jar
#
# The archive is valid only with the same JDK and the same jar file at the same path (its size and
# modification time are checked): the JVM prints a [cds] warning and starts without it otherwise.
# Callers pass the jar exactly as the nodes will (run-local.sh and the bench use the relative
# node/target/raftkv-node.jar from the repository root; the image /app/raftkv-node.jar). Plain bash:
# the node image has no curl. JAVA (default java) and CDS_JAVA_OPTS (the nodes' heap and GC options)
# may be set.
set -euo pipefail

JAR="${1:?usage: scripts/cds-archive.sh JAR [ARCHIVE]}"
OUT="${2:-${JAR%.jar}.jsa}"
JAVA="${JAVA:-java}"
CDS_JAVA_OPTS="${CDS_JAVA_OPTS:--Xms128m -Xmx192m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:MetaspaceSize=96m}"
READY_TIMEOUT_S="${READY_TIMEOUT_S:-180}"

[[ -f "$JAR" ]] || { echo "cds-archive.sh: $JAR not found" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/raftkv-cds.XXXXXX")
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
client=0
for _ in $(seq 1 50); do
  c=$((20000 + RANDOM % 20000))
  if port_free "$c" && port_free $((c + 1)); then client=$c; break; fi
done
[[ $client -ne 0 ]] || { echo "cds-archive.sh: no free pair of loopback ports" >&2; exit 1; }
peer=$((client + 1))

ready() { # ready: whether GET /ready on the client port answers 200
  local status
  { exec 3<>"/dev/tcp/127.0.0.1/$client"; } 2>/dev/null || return 1
  printf 'GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  IFS= read -r -t 2 status <&3 || { exec 3<&-; return 1; }
  exec 3<&-
  [[ $status == "HTTP/1."?" 200 "* ]]
}

# RocksDB's library from its fixed directory (scripts/native-dir.sh; the image passes /app/native),
# so a training node killed on failure leaves no 15 MB copy in /tmp.
native_opt=""
if [[ "$CDS_JAVA_OPTS" != *-Djava.library.path=* && -x "$(dirname "$0")/native-dir.sh" ]]; then
  native=$("$(dirname "$0")/native-dir.sh" "$JAR")
  native_opt="${native:+-Djava.library.path=$native}"
fi

rm -f "$OUT.tmp"
# shellcheck disable=SC2086 # CDS_JAVA_OPTS and native_opt are lists of options
"$JAVA" -XX:ArchiveClassesAtExit="$OUT.tmp" $CDS_JAVA_OPTS $native_opt --enable-native-access=ALL-UNNAMED -jar "$JAR" \
  --id 1 --cluster-id cds-training --peers "1=127.0.0.1:$peer" \
  --client-addr "127.0.0.1:$client" --peer-addr "127.0.0.1:$peer" \
  --data-dir "$work/data" > "$work/node.log" 2>&1 &
pid=$!
deadline=$((SECONDS + READY_TIMEOUT_S))
until ready; do
  if ! kill -0 "$pid" 2>/dev/null || (( SECONDS > deadline )); then
    echo "cds-archive.sh: the training node did not become ready; its log:" >&2
    tail -20 "$work/node.log" >&2
    exit 1
  fi
  sleep 0.2
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
if [[ ! -s "$OUT.tmp" ]]; then
  echo "cds-archive.sh: the JVM wrote no archive (exit $rc); its log:" >&2
  grep -v '^\[.*\]\[warning\]\[cds\]' "$work/node.log" | tail -20 >&2
  exit 1
fi
mv -f "$OUT.tmp" "$OUT"
echo "cds-archive.sh: $OUT ($(($(stat -c %s "$OUT") >> 20)) MiB) for $JAR"
