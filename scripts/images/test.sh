#!/usr/bin/env bash
# `make images-test`: runs the images built by `make images` under podman and checks them.
#  1. The node image as a 3-member cluster, as the StatefulSet would run it: uid 10001, read-only
#     root filesystem, /tmp a small tmpfs (the emptyDir; mounted noexec here, stricter than the
#     pod), no capabilities, no privilege escalation, a memory limit, data on a named volume
#     (the PVC), the pod contract's environment with the Raft tuning the CRD defaults to. Adapted
#     to no Kubernetes: the settings the node derives from POD_NAME & co. (id, peers, cluster id)
#     are given directly, and the members share the host's network on loopback ports.
#  2. Waits for every member to be ready (HTTP /ready = member with a known leader) and for the
#     image's HEALTHCHECK to pass; writes and reads through bin/raftkvctl.
#  3. SIGKILLs the leader's container, waits for a new leader, writes while it is down, restarts
#     the container and checks that it reopened its storage from the volume, caught up, serves the
#     write it missed, and that all three state-machine hashes agree.
#  4. Runs the operator image with a kubeconfig that points nowhere: it must never be ready and
#     must exit non-zero, saying it failed to start because it cannot connect.
#  5. Checks the user id, the read-only root filesystem and the image sizes (IMAGE_MAX_MB).
# Prints one "images-test:" line per check and the figures (start-to-ready, failover, rejoin).
#
# Environment: IMAGE_REGISTRY, VERSION (as `make images`), IMAGES_TEST_PORT (first of 11 loopback
# ports, default 29090), IMAGE_MAX_MB (default 440: the node image is ~402 MB with its 31 MB class-data sharing archive), MVN. Containers and volumes carry the label
# io.raftkv.images-test and are removed at the end, also on failure (KEEP=1 keeps them).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

IMAGE_REGISTRY="${IMAGE_REGISTRY:-raftkv}"
VERSION="${VERSION:-0.1.0}"
NODE_IMAGE="$IMAGE_REGISTRY/raftkv-node:$VERSION"
OPERATOR_IMAGE="$IMAGE_REGISTRY/raftkv-operator:$VERSION"
PORT="${IMAGES_TEST_PORT:-29090}"
IMAGE_MAX_MB="${IMAGE_MAX_MB:-440}"
MVN="${MVN:-mvn -B}"
LABEL=io.raftkv.images-test
PREFIX=raftkv-images-test
NODES=3
WORK=$(mktemp -d /tmp/raftkv-images-test.XXXXXX)
CHECKS=0

ensure_container_tools
ensure_packages curl:curl jq:jq
for image in "$NODE_IMAGE" "$OPERATOR_IMAGE"; do
  podman image exists "$image" || die "$image not found: build it first (make images)"
done
[[ -f cli/target/raftkvctl.jar ]] || $MVN -q -pl api,cli -am install -DskipTests

pass() { CHECKS=$((CHECKS + 1)); echo "images-test: ok   $*"; }
fail() {
  echo "images-test: FAIL $*" >&2
  for c in $(podman ps -a --filter "label=$LABEL" --format '{{.Names}}' 2> /dev/null); do
    echo "---- last log lines of $c"; podman logs --tail 25 "$c" 2>&1 | sed 's/^/  /'
  done >&2
  exit 1
}
now_ms() { date +%s%3N; }
secs_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

remove_all() {
  podman ps -aq --filter "label=$LABEL" | xargs -r podman rm -f -t 0 > /dev/null 2>&1 || true
  podman volume ls -q --filter "label=$LABEL" | xargs -r podman volume rm -f > /dev/null 2>&1 || true
}
cleanup() {
  local status=$?
  if [[ "${KEEP:-0}" == 1 ]]; then
    echo "images-test: KEEP=1: containers and volumes labelled $LABEL kept; logs in $WORK"
  else
    remove_all
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
remove_all # leftovers of an interrupted run

client_port() { echo $((PORT + 2 * $1)); }
peer_port() { echo $((PORT + 2 * $1 + 1)); }
probe_port() { echo $((PORT + 6 + $1)); }
OPERATOR_PORT=$((PORT + 10))
for p in $(seq "$PORT" "$OPERATOR_PORT"); do
  if (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null; then
    die "port $p is in use; set IMAGES_TEST_PORT to the first of 11 free ports"
  fi
done

PEERS="" CLIENTS="" ENDPOINTS=""
for i in $(seq 0 $((NODES - 1))); do
  PEERS="${PEERS:+$PEERS,}$((i + 1))=127.0.0.1:$(peer_port "$i")"
  CLIENTS="${CLIENTS:+$CLIENTS,}$((i + 1))=127.0.0.1:$(client_port "$i")"
  ENDPOINTS="${ENDPOINTS:+$ENDPOINTS,}127.0.0.1:$(client_port "$i")"
done
ctl() { bin/raftkvctl --endpoints "${CTL_ENDPOINTS:-$ENDPOINTS}" --timeout 10s "$@"; }

# ------------------------------------------------------------------ the node image as a cluster
# The pod's securityContext and volumes, as podman flags: runAsUser 10001 (the image's USER),
# readOnlyRootFilesystem, capabilities drop ALL, allowPrivilegeEscalation false, the 256Mi /tmp
# emptyDir, the data PVC, terminationGracePeriodSeconds 60. The environment: the pod contract's
# RAFTKV_DATA_DIR and Raft tuning at the CRD's defaults; instead of POD_NAME, POD_NAMESPACE,
# RAFTKV_CLUSTER, RAFTKV_PEER_SERVICE and RAFTKV_REPLICAS (which make the node read its
# RaftKvCluster from the API server), what it derives from them: id = ordinal + 1, the initial
# voters' peer addresses, the probe port and the cluster id <namespace>/<cluster>. Readiness is
# read where the kubelet reads it: on the probe port.
start_node() { # start_node ORDINAL: creates and starts the container
  local i=$1
  podman run -d --name "$PREFIX-$i" --label "$LABEL=1" \
    --network host --read-only --read-only-tmpfs=false \
    --tmpfs /tmp:rw,noexec,nosuid,nodev,size=256m \
    --cap-drop ALL --security-opt no-new-privileges --memory 512m --stop-timeout 60 \
    -v "$PREFIX-data-$i:/var/lib/raftkv" \
    -e RAFTKV_DATA_DIR=/var/lib/raftkv \
    -e RAFTKV_TICK_MS=100 -e RAFTKV_ELECTION_TICKS=10 -e RAFTKV_HEARTBEAT_TICKS=1 \
    -e RAFTKV_SNAPSHOT_THRESHOLD_ENTRIES=100000 \
    -e RAFTKV_ID=$((i + 1)) -e RAFTKV_CLUSTER_ID=default/$PREFIX \
    -e RAFTKV_PEERS="$PEERS" -e RAFTKV_PEER_CLIENT_ADDRS="$CLIENTS" \
    -e RAFTKV_CLIENT_ADDR="127.0.0.1:$(client_port "$i")" -e RAFTKV_PEER_ADDR="127.0.0.1:$(peer_port "$i")" \
    -e RAFTKV_PROBE_ADDR="127.0.0.1:$(probe_port "$i")" \
    "$NODE_IMAGE" > /dev/null 2>> "$WORK/podman.log" || fail "podman run $PREFIX-$i (see $WORK/podman.log)"
}
ready() { curl -fs -m 2 -o /dev/null "http://127.0.0.1:$(probe_port "$1")/ready"; }
running() { [[ $(podman inspect --format '{{.State.Running}}' "$PREFIX-$1" 2> /dev/null) == true ]]; }
await_ready() { # await_ready ORDINAL TIMEOUT_S: prints seconds until /ready answers 200
  local i=$1 start
  start=$(now_ms)
  while ! ready "$i"; do
    running "$i" || fail "$PREFIX-$i exited while starting"
    (( $(now_ms) - start < $2 * 1000 )) || fail "$PREFIX-$i not ready within $2 s"
    sleep 0.2
  done
  secs_since "$start"
}
status_json() { CTL_ENDPOINTS="${1:-$ENDPOINTS}" ctl -o json status 2> /dev/null || true; }
leader_id() { # the leader every reachable endpoint agrees on, else 0
  status_json "${1:-}" | jq -r '[.[] | select(.status) | .status.leader_id] | unique
    | if length == 1 and .[0] != 0 then .[0] else 0 end'
}
ready_leader() { # ready_leader ORDINAL: the leader id in the node's /ready answer, else 0
  local body
  body=$(curl -fs -m 1 "http://127.0.0.1:$(probe_port "$1")/ready" 2> /dev/null) || { echo 0; return; }
  [[ $body =~ leader\ ([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo 0
}

for i in $(seq 0 $((NODES - 1))); do podman volume create --label "$LABEL=1" "$PREFIX-data-$i" > /dev/null; done
start=$(now_ms)
started=()
for i in $(seq 0 $((NODES - 1))); do started+=("$(now_ms)"); start_node "$i"; done
READY_TIMES=""
for i in $(seq 0 $((NODES - 1))); do
  await_ready "$i" 120 > /dev/null
  READY_TIMES="${READY_TIMES:+$READY_TIMES, }$(secs_since "${started[$i]}")"
done
START_TO_READY=$(secs_since "$start")
pass "3 containers of $NODE_IMAGE ready: each ${READY_TIMES} s after its podman run, all ${START_TO_READY} s after the first"

# The image's HEALTHCHECK (podman runs it on demand: no systemd here to schedule it).
for i in $(seq 0 $((NODES - 1))); do
  out=$(podman healthcheck run "$PREFIX-$i" 2>&1) || fail "HEALTHCHECK of $PREFIX-$i: $out"
done
pass "HEALTHCHECK (GET /health on the probe port) healthy in all three"

# User, read-only root filesystem, /tmp and the JNI library.
uid=$(podman exec "$PREFIX-0" id -u)
[[ $uid == 10001 && $(podman image inspect --format '{{.Config.User}}' "$NODE_IMAGE") == 10001:10001 ]] \
  || fail "node runs as uid $uid, want 10001"
if out=$(podman exec "$PREFIX-0" touch /probe-write 2>&1); then fail "the root filesystem is writable"; fi
[[ $out == *"Read-only file system"* ]] || fail "writing / failed, but not as read-only: $out"
podman exec "$PREFIX-0" sh -c 'ls /tmp | grep -q rocksdb' && fail "RocksDB's library was extracted into /tmp"
owner=$(podman exec "$PREFIX-0" stat -c %u /var/lib/raftkv/storage)
[[ $owner == 10001 ]] || fail "data on the volume owned by uid $owner"
pass "node runs as uid 10001, root filesystem read-only, /tmp noexec holds no native library, data owned by 10001"

# Writes and reads through raftkvctl.
ctl put images-test/greeting hello > /dev/null || fail "raftkvctl put"
[[ $(ctl get --value-only images-test/greeting) == hello ]] || fail "raftkvctl get did not return the value"
pass "raftkvctl put/get through the cluster"

# ------------------------------------------------------------------ kill the leader, rejoin
old_leader=$(leader_id)
[[ $old_leader != 0 ]] || fail "no agreed leader"
victim=$((old_leader - 1))
old_term=$(status_json | jq -r '[.[] | select(.status) | .status.term] | max')
survivors="" ; for i in $(seq 0 $((NODES - 1))); do
  [[ $i == "$victim" ]] || survivors="${survivors:+$survivors,}127.0.0.1:$(client_port "$i")"
done
start=$(now_ms)
podman kill --signal KILL "$PREFIX-$victim" > /dev/null
new_leader=0
while :; do # both survivors' /ready name the same new leader (polled every 50 ms)
  leaders=()
  for i in $(seq 0 $((NODES - 1))); do [[ $i == "$victim" ]] || leaders+=("$(ready_leader "$i")"); done
  new_leader=${leaders[0]}
  [[ $new_leader != 0 && $new_leader != "$old_leader" && ${leaders[1]} == "$new_leader" ]] && break
  (( $(now_ms) - start < 30000 )) || fail "no new leader within 30 s of killing node $old_leader"
  sleep 0.05
done
FAILOVER=$(secs_since "$start")
new_term=$(status_json "$survivors" | jq -r '[.[] | select(.status) | .status.term] | max')
CTL_ENDPOINTS="$survivors" ctl put images-test/while-down written-while-node-"$old_leader"-was-down > /dev/null \
  || fail "write with the leader's container killed"
FAILOVER_WRITE=$(secs_since "$start")
pass "SIGKILL of the leader's container (node $old_leader, term $old_term): node $new_leader leader in term $new_term after ${FAILOVER} s; first write (a raftkvctl process) acknowledged ${FAILOVER_WRITE} s after the kill"

start=$(now_ms)
podman start "$PREFIX-$victim" > /dev/null 2>> "$WORK/podman.log" || fail "podman start $PREFIX-$victim"
REJOIN=$(await_ready "$victim" 120)
opens=$(podman logs "$PREFIX-$victim" 2>&1 | grep -c 'opened storage in /var/lib/raftkv/storage' || true)
creates=$(podman logs "$PREFIX-$victim" 2>&1 | grep -c 'created empty storage' || true)
reopened=$(podman logs "$PREFIX-$victim" 2>&1 | grep 'opened storage in /var/lib/raftkv/storage' | tail -1)
[[ $opens == 2 && $creates == 1 && $reopened =~ applied\ [1-9] ]] \
  || fail "node $old_leader did not reopen its storage from the volume (opens $opens, creates $creates: $reopened)"
victim_endpoint="127.0.0.1:$(client_port "$victim")"
got=$(CTL_ENDPOINTS="$victim_endpoint" ctl get --consistency serializable --value-only images-test/while-down 2>&1 || true)
deadline=$(( $(now_ms) + 10000 ))
while [[ $got != written-while-node-"$old_leader"-was-down ]] && (( $(now_ms) < deadline )); do
  sleep 0.2
  got=$(CTL_ENDPOINTS="$victim_endpoint" ctl get --consistency serializable --value-only images-test/while-down 2>&1 || true)
done
[[ $got == written-while-node-"$old_leader"-was-down ]] || fail "restarted node's local read: $got"
got=$(CTL_ENDPOINTS="$victim_endpoint" ctl get --consistency serializable --value-only images-test/greeting 2>&1 || true)
[[ $got == hello ]] || fail "restarted node lost a key written before the kill: $got"
pass "node $old_leader restarted from its volume (${reopened##*: }), ready after ${REJOIN} s, serves locally the write it missed"

# Every replica at the same applied index with the same state-machine hash.
deadline=$(( $(now_ms) + 20000 ))
while :; do
  hashes=$(CTL_ENDPOINTS="$ENDPOINTS" ctl -o json status --hash 2> /dev/null \
    | jq -r '[.[] | select(.status) | "\(.status.state_hash)@\(.status.state_hash_index)"] | unique | join(" ")' || true)
  [[ -n $hashes && $hashes != *" "* ]] && \
    [[ $(status_json | jq '[.[] | select(.status)] | length') == "$NODES" ]] && break
  (( $(now_ms) < deadline )) || fail "replica state hashes differ: $hashes"
  sleep 0.5
done
pass "all three replicas have state hash $hashes"

# A graceful stop (SIGTERM, as the kubelet sends) ends the node cleanly.
start=$(now_ms)
podman stop -t 60 "$PREFIX-$victim" > /dev/null 2>> "$WORK/podman.log"
code=$(podman inspect --format '{{.State.ExitCode}}' "$PREFIX-$victim")
stop_log=$(podman logs "$PREFIX-$victim" 2>&1 | tail -5)
grep -q 'stop requested (SIGTERM)' <<< "$stop_log" || fail "node $old_leader logged no graceful stop"
[[ $code == 0 || $code == 143 ]] || fail "node $old_leader exited with $code on SIGTERM"
pass "SIGTERM stops node $old_leader in $(secs_since "$start") s (exit code $code)"

# ------------------------------------------------------------------ the operator image, no API server
# A kubeconfig whose API server is a closed loopback port: the operator must say it cannot start.
mkdir -p "$WORK/kube"
cat > "$WORK/kube/config" << 'EOF'
apiVersion: v1
kind: Config
clusters:
- name: nowhere
  cluster:
    server: https://127.0.0.1:1
contexts:
- name: nowhere
  context:
    cluster: nowhere
    namespace: raftkv-system
    user: nobody
current-context: nowhere
users:
- name: nobody
  user:
    token: not-a-real-token
EOF
chmod 0755 "$WORK/kube" && chmod 0644 "$WORK/kube/config"
start=$(now_ms)
podman run -d --name "$PREFIX-operator" --label "$LABEL=1" \
  --network host --read-only --read-only-tmpfs=false --tmpfs /tmp:rw,nosuid,nodev,size=64m \
  --cap-drop ALL --security-opt no-new-privileges --memory 512m \
  -e RAFTKV_OPERATOR_HTTP_PORT="$OPERATOR_PORT" -e KUBECONFIG=/kube/config -v "$WORK/kube:/kube:ro" \
  "$OPERATOR_IMAGE" > /dev/null 2>> "$WORK/podman.log" || fail "podman run $PREFIX-operator"
answers=""
while [[ $(podman inspect --format '{{.State.Running}}' "$PREFIX-operator") == true ]]; do
  code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$OPERATOR_PORT/readyz" || true)
  [[ $code == 000 ]] || answers="$answers $code"
  (( $(now_ms) - start < 120000 )) || fail "the operator neither started nor exited within 120 s"
  sleep 0.5
done
OPERATOR_EXIT=$(secs_since "$start")
code=$(podman inspect --format '{{.State.ExitCode}}' "$PREFIX-operator")
log_text=$(podman logs "$PREFIX-operator" 2>&1)
[[ $code != 0 ]] || fail "the operator exited 0 without an API server"
[[ $answers != *200* ]] || fail "the operator reported ready without an API server (/readyz:$answers)"
grep -q 'raftkv-operator failed to start' <<< "$log_text" || fail "the operator's log does not say it failed to start"
grep -q 'ConnectException' <<< "$log_text" || fail "the operator's log does not name the connection failure"
[[ $(podman image inspect --format '{{.Config.User}}' "$OPERATOR_IMAGE") == 10001:10001 ]] || fail "operator image user"
pass "operator with an unreachable API server: exit code $code after ${OPERATOR_EXIT} s, /readyz never 200 (answers:${answers:- none}), log: 'raftkv-operator failed to start' caused by ConnectException"

# ------------------------------------------------------------------ sizes
for image in "$NODE_IMAGE" "$OPERATOR_IMAGE"; do
  bytes=$(podman image inspect --format '{{.Size}}' "$image")
  mb=$((bytes / 1000000))
  (( mb <= IMAGE_MAX_MB )) || fail "$image is $mb MB, above IMAGE_MAX_MB=$IMAGE_MAX_MB"
  pass "$image is $mb MB (limit $IMAGE_MAX_MB MB)"
done

echo "images-test: figures: start-to-ready of 3 members ${START_TO_READY} s; leader kill -> new leader ${FAILOVER} s, -> first write ${FAILOVER_WRITE} s; restart -> ready ${REJOIN} s"
echo "images-test: $CHECKS passed, 0 failed"
