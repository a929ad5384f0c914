#!/usr/bin/env bash
# Starts an N-node RaftKV cluster on loopback (default 3) from node/target/raftkv-node.jar and stops
# every node on Ctrl-C. Data and logs live under RUN_DIR (default ./run). Used by `make run`.
#
#   scripts/run-local.sh [NODES]        NODES: 1, 3, 5, 7 or 9
#   TLS=1 scripts/run-local.sh          the same with TLS and authentication on (make run TLS=1)
#   CDS=0 scripts/run-local.sh          without the class-data sharing archive (built on first use)
#
# Node i (1-based) listens for clients on 127.0.0.1:(9088 + 2i) -> 9090, 9092, 9094, ... and for
# peers on 127.0.0.1:(9189 + 2i) -> 9191, 9193, 9195, ... With TLS=1 a CA, node and client
# certificates, a token and role bindings are generated under RUN_DIR/tls (scripts/local-ca.sh);
# peers speak mutual TLS, clients TLS with a certificate or token, and each node gets a plaintext
# probe port 127.0.0.1:(9289 + 2i) -> 9291, 9293, ... for /health, /ready and /metrics.
set -euo pipefail

NODES="${1:-${NODES:-3}}"
TLS="${TLS:-}"
CLUSTER=raftkv-local
RUN_DIR="${RUN_DIR:-./run}"
JAR="${JAR:-node/target/raftkv-node.jar}"
JAVA="${JAVA:-java}"
# A GC pause goal well below the 300 ms minimum election timeout (G1's default goal is 200 ms, which
# alone can depose a leader), and a Metaspace start size that avoids the class-loading GCs of the
# first seconds. 192 MiB of heap: a loaded leader keeps ~90 MiB live (the data is in RocksDB, off the
# heap), and with 256 MiB G1 grew the heap until the leader's RSS passed 512 MiB in the 1 M-key
# write benchmark (see docs/operations.md). Override with NODE_JAVA_OPTS.
NODE_JAVA_OPTS="${NODE_JAVA_OPTS:--Xms128m -Xmx192m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:MetaspaceSize=96m}"
# Class-data sharing: the node's AppCDS archive (scripts/cds-archive.sh), built next to the jar when it
# is missing or older than the jar; a node that maps it reaches ready with about half the CPU. CDS=0
# starts without it.
CDS="${CDS:-1}"
CDS_ARCHIVE="${JAR%.jar}.jsa"
# glibc gives every allocating thread its own malloc arena (up to 8 per CPU); with RocksDB's
# threads that fragmentation cost ~30 MiB of RSS per node. The node image sets the same.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

case "$NODES" in
  1|3|5|7|9) ;;
  *) echo "run-local.sh: NODES must be an odd number from 1 to 9, got '$NODES'" >&2; exit 2 ;;
esac
if [[ ! -f "$JAR" ]]; then
  echo "run-local.sh: $JAR not found; build it first (make build)" >&2
  exit 2
fi

# RocksDB's JNI library from one fixed directory, so no node copies 15 MB into /tmp (a copy a killed
# node never deletes): scripts/native-dir.sh extracts it from the jar once.
NATIVE_DIR="$("$(dirname "$0")/native-dir.sh" "$JAR")"

client_port() { echo $((9088 + 2 * $1)); }
peer_port() { echo $((9189 + 2 * $1)); }
probe_port() { echo $((9289 + 2 * $1)); }
tls_on() { [[ -n "$TLS" && "$TLS" != 0 && "$TLS" != off ]]; }

for i in $(seq 1 "$NODES"); do
  for port in "$(client_port "$i")" "$(peer_port "$i")" $(tls_on && probe_port "$i"); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "run-local.sh: port $port is already in use (another cluster running?)" >&2
      exit 1
    fi
  done
done

CDS_OPTS=""
if [[ "$CDS" != 0 ]]; then
  if [[ ! "$CDS_ARCHIVE" -nt "$JAR" ]]; then
    echo "building the class-data sharing archive $CDS_ARCHIVE (once per build of the jar)..."
    JAVA="$JAVA" scripts/cds-archive.sh "$JAR" "$CDS_ARCHIVE" || echo "run-local.sh: no CDS archive; starting without it" >&2
  fi
  [[ "$CDS_ARCHIVE" -nt "$JAR" ]] && CDS_OPTS="-XX:SharedArchiveFile=$CDS_ARCHIVE"
fi

PEERS=""
CLIENTS=""
for i in $(seq 1 "$NODES"); do
  PEERS="${PEERS:+$PEERS,}$i=127.0.0.1:$(peer_port "$i")"
  CLIENTS="${CLIENTS:+$CLIENTS,}$i=127.0.0.1:$(client_port "$i")"
done

mkdir -p "$RUN_DIR"
TLS_DIR="$RUN_DIR/tls"
if tls_on; then
  scripts/local-ca.sh "$TLS_DIR" "$NODES" "$CLUSTER"
fi
tls_args() { # tls_args NODE: the node's TLS flags (none without TLS=1)
  tls_on || return 0
  printf '%s\n' --tls on --tls-cert "$TLS_DIR/node-$1/tls.crt" --tls-key "$TLS_DIR/node-$1/tls.key" \
    --tls-ca "$TLS_DIR/node-$1/ca.crt" --auth on --auth-tokens "$TLS_DIR/tokens.csv" \
    --auth-roles "$TLS_DIR/roles.txt" --probe-addr "127.0.0.1:$(probe_port "$1")"
}
ready_url() { # ready_url NODE: where /ready answers in plaintext
  if tls_on; then echo "http://127.0.0.1:$(probe_port "$1")/ready"; else echo "http://127.0.0.1:$(client_port "$1")/ready"; fi
}
PIDS=()
STOPPING=0
stop_all() {
  trap - INT TERM EXIT
  STOPPING=1
  echo
  echo "stopping ${#PIDS[@]} nodes..."
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  echo "all nodes stopped; data kept in $RUN_DIR (delete it for a fresh cluster)"
}
trap stop_all INT TERM EXIT

for i in $(seq 1 "$NODES"); do
  mkdir -p "$RUN_DIR/node-$i"
  # shellcheck disable=SC2086,SC2046 # NODE_JAVA_OPTS and tls_args are lists of options
  "$JAVA" --enable-native-access=ALL-UNNAMED ${NATIVE_DIR:+-Djava.library.path=$NATIVE_DIR} $NODE_JAVA_OPTS $CDS_OPTS -jar "$JAR" \
    --id "$i" \
    --cluster-id "$CLUSTER" \
    --client-addr "127.0.0.1:$(client_port "$i")" \
    --peer-addr "127.0.0.1:$(peer_port "$i")" \
    --peers "$PEERS" \
    --peer-client-addrs "$CLIENTS" \
    --data-dir "$RUN_DIR/node-$i/data" \
    $(tls_args "$i") \
    > "$RUN_DIR/node-$i/node.log" 2>&1 &
  PIDS+=("$!")
done

ENDPOINTS=""
for i in $(seq 1 "$NODES"); do
  ENDPOINTS="${ENDPOINTS:+$ENDPOINTS,}127.0.0.1:$(client_port "$i")"
done

# Wait (at most 90 s) until every node reports ready: a member with a known leader.
if command -v curl > /dev/null; then
  echo "waiting for the nodes to elect a leader..."
  for _ in $(seq 1 180); do
    ready=0
    for i in $(seq 1 "$NODES"); do
      if curl -fs -o /dev/null "$(ready_url "$i")"; then ready=$((ready + 1)); fi
    done
    [[ $ready -eq $NODES ]] && break
    for pid in "${PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "run-local.sh: a node exited during start-up; see $RUN_DIR/node-*/node.log" >&2; exit 1; }
    done
    sleep 0.5
  done
  [[ $ready -eq $NODES ]] || echo "run-local.sh: only $ready of $NODES nodes ready after 90 s; see the logs" >&2
fi

if tls_on; then
  CTL="bin/raftkvctl --endpoints $ENDPOINTS --cacert $TLS_DIR/ca.crt --cert $TLS_DIR/admin.crt --key $TLS_DIR/admin.key"
  METRICS="curl -s http://127.0.0.1:$(probe_port 1)/metrics | head"
  MODE="TLS on: peers use mutual TLS; clients need --cacert and a certificate (user admin) or a token
  (user reader: RAFTKV_TOKEN=\$(cut -d, -f1 $TLS_DIR/tokens.csv)); roles in $TLS_DIR/roles.txt"
else
  CTL="bin/raftkvctl --endpoints $ENDPOINTS"
  METRICS="curl -s http://127.0.0.1:$(client_port 1)/metrics | head"
  MODE="plaintext (make run TLS=1 for TLS and authentication)"
fi
cat <<INFO
RaftKV: $NODES nodes running (data and logs under $RUN_DIR/node-N/), $MODE
$(for i in $(seq 1 "$NODES"); do
    echo "  node $i  client 127.0.0.1:$(client_port "$i")  peer 127.0.0.1:$(peer_port "$i")  pid ${PIDS[$((i-1))]}  log $RUN_DIR/node-$i/node.log"
  done)

Try:
  $CTL status
  $CTL put greeting hello
  $CTL get greeting
  $CTL members list
  $METRICS

Press Ctrl-C to stop all nodes.
INFO

# Exit (and stop the rest) as soon as any node exits on its own.
wait -n "${PIDS[@]}" || true
if [[ $STOPPING -eq 0 ]]; then
  echo "a node exited on its own; stopping the others (see the logs under $RUN_DIR)" >&2
  exit 1
fi
