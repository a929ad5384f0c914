#!/usr/bin/env python3
"""Per-thread CPU of RaftKV node processes during a benchmark, from /proc.

  thread-cpu.py sample OUT.jsonl [PATTERN]   every second, append the CPU ticks of every thread of
                                             each process started as java ... -jar <a jar whose path contains PATTERN>
                                             (default raftkv-node.jar) to OUT.jsonl; stop with SIGTERM
  thread-cpu.py report OUT.jsonl SECONDS RATE [END]
                                             server CPU per operation over the SECONDS before END (a
                                             Unix time, e.g. when the bench printed the scenario's
                                             summary line) or, without END, the last SECONDS in which
                                             all the sampled processes (one cluster) were running
                                             (the last scenario's measured window, which ends when
                                             the bench stops the cluster), by thread group, at RATE
                                             op/s; snapshots are a second apart, so the window is
                                             approximate to a second

Thread names are grouped with digits replaced by N (vert.x-eventloop-thread-N, ...).
"""
import collections, glob, json, os, re, sys, time


def snapshot(pattern):
    s = {'t': time.time(), 'threads': {}}
    for p in glob.glob('/proc/[0-9]*'):
        try:
            a = open(p + '/cmdline').read().split('\0')
            if '-jar' not in a or pattern not in a[a.index('-jar') + 1]:
                continue
        except OSError:
            continue
        for t in glob.glob(p + '/task/*'):
            try:
                st = open(t + '/stat').read()
            except OSError:
                continue
            name = re.sub(r'\d+', 'N', st[st.index('(') + 1:st.rindex(')')])
            f = st[st.rindex(')') + 2:].split()
            s['threads'][p[6:] + '/' + t.split('/')[-1]] = [name, int(f[11]) + int(f[12])]
    return s


def sample(out, pattern):
    with open(out, 'a') as f:
        while True:
            s = snapshot(pattern)
            if s['threads']:
                f.write(json.dumps(s) + '\n')
                f.flush()
            time.sleep(1)


def report(path, seconds, rate, end_time=None):
    snaps = [json.loads(line) for line in open(path)]
    # every process sampled (one cluster per file); the snapshots in which all of them ran
    pids = {k.split('/')[0] for s in snaps for k in s['threads']}
    run = [s for s in snaps if pids <= {k.split('/')[0] for k in s['threads']}]
    if not run:
        sys.exit(f'{path}: no snapshot has all {len(pids)} processes (more than one cluster in the file?)')
    end = run[-1] if end_time is None else min(run, key=lambda s: abs(s['t'] - end_time))
    start = min(run, key=lambda s: abs((end['t'] - s['t']) - seconds))
    secs = end['t'] - start['t']
    tick = os.sysconf('SC_CLK_TCK')
    ops = max(rate * secs, 1)
    g = collections.Counter()
    for k, (name, c) in end['threads'].items():
        g[name] += c - start['threads'].get(k, (name, 0))[1]
    tot = sum(g.values())
    us = lambda c: c * 1e6 / tick / ops
    print(f'{secs:.1f} s, {len(pids)} processes, server CPU {us(tot):.0f} us/op '
          f'({tot / tick / secs:.2f} CPUs)')
    for n, c in g.most_common(12):
        print(f'  {n:40s} {us(c):7.1f} us/op  {100 * c / max(tot, 1):5.1f} %')


if __name__ == '__main__':
    if sys.argv[1] == 'sample':
        sample(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else 'raftkv-node.jar')
    else:
        report(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]) if len(sys.argv) > 5 else None)
