#!/bin/bash
# put-ab.sh OUT ROUNDS LABEL=NODE_JAR LABEL=NODE_JAR...: interleaved A/B of own-client puts.
#
# For each round, for each jar in the given order (so A, B, A, B...): three fresh local nodes of that
# jar (plaintext, the benchmark's JVM options), then `raftkv-bench run` with 1,000 clients over 100
# connections, 100 % puts (8 B keys over 10,000, 256 B values), 45 s warm-up, 20 s measured. Over
# 15 s of the measured window it reads every node thread's CPU time from /proc and each node's
# /metrics, and prints puts/s, p99, server CPU per put by thread group (compiler and GC threads
# apart), apply batches, allocation and GC pauses per put, leader changes and the load average.
# With STEP_LOCK=/path each run takes that lock (flock) for itself alone. One summary per run in
# OUT/summary.txt. Needs bench/target/raftkv-bench.jar (make build) and python3.
#
#   scripts/bench/put-ab.sh /tmp/put-ab 3 old=/tmp/old.jar new=node/target/raftkv-node.jar
set -euo pipefail
one=
if [ "${1:-}" = --one ]; then one=1; shift; fi # one run (under STEP_LOCK): --one OUT LABEL JAR RUN
out=$1; rounds=$2; shift 2
bench=${BENCH_JAR:-$(dirname "$0")/../../bench/target/raftkv-bench.jar}
base=${BASE_PORT:-37790}
mkdir -p "$out"

snap() { # snap FILE: per-thread CPU ticks of the nodes listening on base..base+2, with a timestamp
  python3 - "$base" "$1" <<'EOF'
import sys, glob, re, json, time
base, out = int(sys.argv[1]), sys.argv[2]
ports = {f'127.0.0.1:{base + i}' for i in range(3)}
s = {'t': time.time(), 'threads': {}}
for p in glob.glob('/proc/[0-9]*'):
    try:
        a = open(p + '/cmdline').read().split('\0')
    except OSError:
        continue
    if '--client-addr' not in a or a[a.index('--client-addr') + 1] not in ports:
        continue
    for t in glob.glob(p + '/task/*'):
        try:
            st = open(t + '/stat').read()
        except OSError:
            continue
        name = re.sub(r'\d+', 'N', st[st.index('(') + 1:st.rindex(')')])
        f = st[st.rindex(')') + 2:].split()
        s['threads'][p + '/' + t.split('/')[-1]] = [name, int(f[11]) + int(f[12])]
json.dump(s, open(out, 'w'))
EOF
}

scrape() { # scrape FILE: the metrics this script reports, summed over the nodes
  for i in 0 1 2; do
    curl -s -m 3 "http://127.0.0.1:$((base + i))/metrics" || true
  done | grep -E '^(raftkv_apply_duration_seconds_count|jvm_gc_memory_allocated_bytes_total|raftkv_raft_leader_changes_total|jvm_gc_pause_seconds_sum)' > "$1" || true
}

report() { # report DIR RATE
  python3 - "$1" "$2" <<'EOF'
import sys, json, os, collections
d, rate = sys.argv[1], float(sys.argv[2] or 0)
a, b = json.load(open(d + '/cpu1.json')), json.load(open(d + '/cpu2.json'))
tick = os.sysconf('SC_CLK_TCK'); secs = b['t'] - a['t']; ops = max(rate * secs, 1)
g = collections.Counter()
for k, (name, c) in b['threads'].items():
    g[name] += c - a['threads'].get(k, (name, 0))[1]
us = lambda c: c * 1e6 / tick / ops
tot = sum(g.values())
jit = sum(c for n, c in g.items() if 'Compiler' in n)
gc = sum(c for n, c in g.items() if n.startswith(('GC ', 'GN ', 'G1 ')))
print(f'  server CPU {us(tot):.1f} us/put: compiler {us(jit):.1f}, GC threads {us(gc):.1f}, rest {us(tot - jit - gc):.1f}')
print('  ' + ', '.join(f'{n} {us(c):.1f}' for n, c in g.most_common(8)))
def load(p):
    m = collections.Counter()
    for line in open(p):
        k, v = line.split()[0].split('{')[0], line.split()[-1]
        m[k] += float(v)
    return m
m1, m2 = load(d + '/metrics1.txt'), load(d + '/metrics2.txt')
dm = {k: m2[k] - m1[k] for k in m2}
batches = dm.get('raftkv_apply_duration_seconds_count', 0)
print(f'  apply batches {batches / secs:.0f}/s ({3 * ops / max(batches, 1):.0f} entries each); '
      f'allocated {dm.get("jvm_gc_memory_allocated_bytes_total", 0) / ops / 1024:.1f} KiB/put; '
      f'GC pauses {dm.get("jvm_gc_pause_seconds_sum", 0) * 1e3 / secs:.0f} ms/s; '
      f'leader changes {dm.get("raftkv_raft_leader_changes_total", 0):.0f}')
EOF
}

run_one() { # run_one LABEL JAR RUN
  local label=$1 jar=$2 run=$3
  local d="$out/$label-$run" pids=() native
  native=$("$(dirname "$0")/../native-dir.sh" "$jar") # RocksDB's library: no 15 MB copy per node in /tmp
  rm -rf "$d"; mkdir -p "$d"
  local peers="1=127.0.0.1:$((base + 100)),2=127.0.0.1:$((base + 101)),3=127.0.0.1:$((base + 102))"
  local clients="1=127.0.0.1:$base,2=127.0.0.1:$((base + 1)),3=127.0.0.1:$((base + 2))"
  for i in 0 1 2; do
    MALLOC_ARENA_MAX=2 java -Xms128m -Xmx192m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:MetaspaceSize=96m \
      --enable-native-access=ALL-UNNAMED ${native:+-Djava.library.path=$native} -jar "$jar" --id $((i + 1)) --client-addr 127.0.0.1:$((base + i)) \
      --peer-addr 127.0.0.1:$((base + 100 + i)) --peers "$peers" --peer-client-addrs "$clients" \
      --data-dir "$d/n$((i + 1))" --log-level WARN > "$d/node$((i + 1)).log" 2>&1 &
    pids+=($!)
  done
  trap 'kill -9 ${pids[*]} 2>/dev/null || true' EXIT
  sleep 8
  local l0; l0=$(cut -d' ' -f1 /proc/loadavg)
  java -Xms256m -Xmx512m -jar "$bench" run --system raftkv \
    --endpoints "127.0.0.1:$base,127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2))" --put-percent 100 \
    --clients 1000 --connections 100 --key-space 10000 --value-size 256 --deadline 5s --warmup 45s \
    --duration 20s --no-progress > "$d/bench.txt" 2>&1 &
  local b=$!
  sleep 48; snap "$d/cpu1.json"; scrape "$d/metrics1.txt"; local l1; l1=$(cut -d' ' -f1 /proc/loadavg)
  sleep 15; snap "$d/cpu2.json"; scrape "$d/metrics2.txt"; local l2; l2=$(cut -d' ' -f1 /proc/loadavg)
  wait $b || true
  kill ${pids[*]} 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do # up to 10 s for a clean stop, then SIGKILL
    local alive=0 p
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 1 ] || break
    sleep 1
  done
  kill -9 ${pids[*]} 2>/dev/null || true
  wait ${pids[*]} 2>/dev/null || true
  trap - EXIT
  local line rate
  line=$(grep -E '=>' "$d/bench.txt" | head -1 || true)
  rate=$(echo "$line" | grep -oE '=> *[0-9,]+ op/s' | grep -oE '[0-9,]+' | tr -d , || true)
  {
    echo "== $label run $run ($(date -u +%H:%M:%S) UTC, load average $l0 / $l1 / $l2) $jar"
    echo "  ${line#*=> }" | cut -c1-110
    report "$d" "${rate:-0}"
  } | tee -a "$out/summary.txt"
}

if [ -n "$one" ]; then
  run_one "$rounds" "$1" "$2"
  exit 0
fi
for ((r = 1; r <= rounds; r++)); do
  for spec in "$@"; do
    if [ -n "${STEP_LOCK:-}" ]; then
      flock "$STEP_LOCK" "$0" --one "$out" "${spec%%=*}" "${spec#*=}" "$r"
    else
      run_one "${spec%%=*}" "${spec#*=}" "$r"
    fi
  done
done
