#!/usr/bin/env python3
"""Writes RaftKV's Grafana dashboards (config/grafana/dashboards/*.json) from the panel lists below.

Run by `make monitoring` (which also copies them into the Helm chart); the JSON files are checked in.
Every panel query uses the variables $namespace, $cluster and (node dashboard) $pod, and
$__rate_interval for rates. "All" is the regex .+ (not .*), so that series without the label (the
operator's own `up`, for instance) are not counted as a cluster of their own. The observability test (chaos/…/ObservabilityIT) runs every query
against a real Prometheus with those variables substituted and requires data from each.
"""
import json
import os
import sys

SEL = 'namespace=~"$namespace",raftkv_cluster=~"$cluster"'
NODE = 'namespace=~"$namespace",raftkv_cluster=~"$cluster",pod=~"$pod"'
OP = 'namespace=~"$namespace",name=~"$cluster"'
RI = '$__rate_interval'


def p99(metric, by, sel):
    return f'histogram_quantile(0.99, sum by ({by}, le) (rate({metric}_bucket{{{sel}}}[{RI}])))'


def panel(title, targets, unit='short', kind='timeseries', desc='', w=12, h=8):
    return {'title': title, 'kind': kind, 'desc': desc, 'unit': unit, 'w': w, 'h': h,
            'targets': targets}


def t(expr, legend=''):
    return {'expr': expr, 'legend': legend}


CLUSTER = [
    panel('Has leader', [t(f'min by (raftkv_cluster) (raftkv_raft_has_leader{{{SEL}}})', '{{raftkv_cluster}}')],
          kind='stat', w=4, h=4, desc='1 when every member knows a leader (etcd_server_has_leader).'),
    panel('Members up', [t(f'sum by (raftkv_cluster) (up{{{SEL}}})', '{{raftkv_cluster}}')],
          kind='stat', w=4, h=4, desc='Members Prometheus can scrape.'),
    panel('Voters', [t(f'max by (raftkv_cluster) (raftkv_raft_members{{{SEL},role="voter"}})', '{{raftkv_cluster}}')],
          kind='stat', w=4, h=4, desc='Voters in the configuration, as the members report it.'),
    panel('Leader changes (1h)', [t(f'max by (raftkv_cluster) (increase(raftkv_raft_leader_changes_total{{{SEL}}}[1h]))',
                                    '{{raftkv_cluster}}')], kind='stat', w=4, h=4),
    panel('Leader', [t(f'max by (raftkv_cluster) (raftkv_raft_leader_id{{{SEL}}})', '{{raftkv_cluster}}')],
          kind='stat', w=4, h=4, desc='Member id of the leader (0: none).'),
    panel('Term', [t(f'max by (raftkv_cluster) (raftkv_raft_term{{{SEL}}})', '{{raftkv_cluster}}')],
          kind='stat', w=4, h=4),
    panel('Client requests by code', [t(f'sum by (code) (rate(raftkv_client_requests_seconds_count{{{SEL}}}[{RI}]))',
                                        '{{code}}')], unit='reqps'),
    panel('Client request latency p99 by method', [t(p99('raftkv_client_requests_seconds', 'method', SEL), '{{method}}')],
          unit='s'),
    panel('Proposals', [t(f'sum(rate(raftkv_proposals_total{{{SEL}}}[{RI}]))', 'proposed/s'),
                        t(f'sum(rate(raftkv_proposals_failed_total{{{SEL}}}[{RI}])) or vector(0)', 'failed/s'),
                        t(f'sum(raftkv_proposals_pending{{{SEL}}})', 'pending')],
          desc='Writes proposed, failed (etcd_server_proposals_failed_total) and pending.'),
    panel('Commit and applied index', [t(f'max by (pod) (raftkv_raft_commit_index{{{SEL}}})', 'commit {{pod}}'),
                                       t(f'max by (pod) (raftkv_raft_applied_index{{{SEL}}})', 'applied {{pod}}')]),
    panel('Follower lag (entries)', [t(f'max by (peer) (raftkv_raft_follower_lag_entries{{{SEL}}})', 'member {{peer}}')],
          desc="On the leader: its last index minus each follower's match index."),
    panel('fsync p99', [t(p99('raftkv_storage_fsync_duration_seconds', 'pod', SEL), '{{pod}}')], unit='s',
          desc='Raft log synced writes (etcd_disk_wal_fsync_duration_seconds).'),
    panel('Apply p99 (per batch)', [t(p99('raftkv_apply_duration_seconds', 'pod', SEL), '{{pod}}')], unit='s'),
    panel('ReadIndex p99', [t(p99('raftkv_read_index_duration_seconds', 'pod', SEL), '{{pod}}')], unit='s'),
    panel('Peer round trip p99', [t(p99('raftkv_peer_round_trip_time_seconds', 'pod, peer', SEL), '{{pod}} → member {{peer}}')],
          unit='s', desc='Heartbeat → response, on the leader (etcd_network_peer_round_trip_time_seconds).'),
    panel('Database size', [t(f'max by (pod) (raftkv_storage_rocksdb_size_bytes{{{SEL}}})', 'allocated {{pod}}'),
                            t(f'max by (pod) (raftkv_storage_rocksdb_size_in_use_bytes{{{SEL}}})', 'in use {{pod}}')],
          unit='bytes'),
    panel('Keys', [t(f'max by (pod) (raftkv_storage_keys{{{SEL}}})', '{{pod}}')]),
    panel('Data volume free', [t(f'min by (pod) (disk_free_bytes{{{SEL}}} / disk_total_bytes{{{SEL}}})', '{{pod}}')],
          unit='percentunit'),
    panel('Stalls', [t(f'sum by (pod) (rate(raftkv_raft_loop_stalls_total{{{SEL}}}[{RI}]))', 'loop stalls {{pod}}'),
                     t(f'sum by (pod) (rate(raftkv_raft_slow_persists_total{{{SEL}}}[{RI}]))', 'slow persists {{pod}}'),
                     t(f'sum by (pod) (rate(raftkv_apply_slow_total{{{SEL}}}[{RI}]))', 'slow applies {{pod}}')],
          unit='ops', desc='Late Raft ticks, slow persists and slow applies per second.'),
    panel('Snapshots (1h)', [t(f'sum by (kind) (increase(raftkv_snapshot_duration_seconds_count{{{SEL},outcome="ok"}}[1h]))',
                               '{{kind}}')], desc='Snapshots created, sent, received and downloaded.'),
]

NODE_PANELS = [
    panel('Role', [t(f'max by (role) (raftkv_raft_role{{{NODE}}}) == 1', '{{role}}')], kind='stat', w=6, h=4),
    panel('Has leader', [t(f'max(raftkv_raft_has_leader{{{NODE}}})')], kind='stat', w=6, h=4),
    panel('Healthy / ready', [t(f'max(raftkv_node_healthy{{{NODE}}})', 'healthy'),
                              t(f'max(raftkv_node_ready{{{NODE}}})', 'ready')], kind='stat', w=6, h=4),
    panel('Build', [t(f'max by (version, commit, jvm) (raftkv_build_info{{{NODE}}})', '{{version}} {{commit}}')],
          kind='stat', w=6, h=4),
    panel('Client requests by method', [t(f'sum by (method) (rate(raftkv_client_requests_seconds_count{{{NODE}}}[{RI}]))',
                                          '{{method}}')], unit='reqps'),
    panel('Client latency p50 / p99', [
        t(f'histogram_quantile(0.5, sum by (le) (rate(raftkv_client_requests_seconds_bucket{{{NODE}}}[{RI}])))', 'p50'),
        t(f'histogram_quantile(0.99, sum by (le) (rate(raftkv_client_requests_seconds_bucket{{{NODE}}}[{RI}])))', 'p99')],
          unit='s'),
    panel('In flight', [t(f'sum(raftkv_client_inflight{{{NODE}}})', 'calls'),
                        t(f'sum(raftkv_client_pipeline_streams{{{NODE}}})', 'pipeline streams'),
                        t(f'sum(raftkv_proposals_pending{{{NODE}}})', 'pending proposals')]),
    panel('fsync latency', [
        t(f'histogram_quantile(0.5, sum by (le) (rate(raftkv_storage_fsync_duration_seconds_bucket{{{NODE}}}[{RI}])))', 'p50'),
        t(f'histogram_quantile(0.99, sum by (le) (rate(raftkv_storage_fsync_duration_seconds_bucket{{{NODE}}}[{RI}])))', 'p99')],
          unit='s'),
    panel('fsyncs and entries per fsync', [t(f'sum(rate(raftkv_storage_fsyncs_total{{{NODE}}}[{RI}]))', 'fsyncs/s'),
                                           t(f'max(raftkv_storage_entries_per_fsync{{{NODE}}})', 'entries/fsync')]),
    panel('Apply and ReadIndex p99', [t(p99('raftkv_apply_duration_seconds', 'pod', NODE), 'apply batch'),
                                      t(p99('raftkv_read_index_duration_seconds', 'pod', NODE), 'ReadIndex')], unit='s'),
    panel('Peer round trip p99', [t(p99('raftkv_peer_round_trip_time_seconds', 'peer', NODE), 'to member {{peer}}')], unit='s'),
    panel('Peer message batches', [t(f'sum by (outcome) (rate(raftkv_peer_rpc_duration_seconds_count{{{NODE}}}[{RI}]))',
                                     '{{outcome}}')], unit='ops'),
    panel('Indexes', [t(f'max(raftkv_raft_commit_index{{{NODE}}})', 'commit'),
                      t(f'max(raftkv_raft_applied_index{{{NODE}}})', 'applied'),
                      t(f'max(raftkv_raft_snapshot_index{{{NODE}}})', 'snapshot')]),
    panel('Storage', [t(f'max(raftkv_storage_rocksdb_size_bytes{{{NODE}}})', 'allocated'),
                      t(f'max(raftkv_storage_rocksdb_size_in_use_bytes{{{NODE}}})', 'in use'),
                      t(f'max(disk_free_bytes{{{NODE}}})', 'volume free')], unit='bytes'),
    panel('JVM heap', [t(f'sum(jvm_memory_used_bytes{{{NODE},area="heap"}})', 'used'),
                       t(f'sum(jvm_memory_max_bytes{{{NODE},area="heap",id="G1 Old Gen"}}) or sum(jvm_memory_max_bytes{{{NODE},area="heap"}})',
                         'max')], unit='bytes'),
    panel('GC pause time and CPU', [t(f'sum(rate(jvm_gc_pause_seconds_sum{{{NODE}}}[{RI}]))', 'GC s/s'),
                                    t(f'max(process_cpu_usage{{{NODE}}})', 'process CPU')], unit='percentunit'),
]

OPERATOR = [
    panel('Replicas desired / ready', [t(f'max by (namespace, name) (raftkv_cluster_replicas_desired{{{OP}}})',
                                         'desired {{namespace}}/{{name}}'),
                                       t(f'max by (namespace, name) (raftkv_cluster_replicas_ready{{{OP}}})',
                                         'ready {{namespace}}/{{name}}')]),
    panel('Leader known / Degraded', [t(f'max by (namespace, name) (raftkv_cluster_leader_known{{{OP}}})',
                                        'leader known {{namespace}}/{{name}}'),
                                      t(f'max by (namespace, name) (raftkv_cluster_degraded{{{OP}}})',
                                        'degraded {{namespace}}/{{name}}')]),
    panel('Term', [t(f'max by (namespace, name) (raftkv_cluster_term{{{OP}}})', '{{namespace}}/{{name}}')]),
    panel('Reconciliations', [t(f'sum(rate(reconciliations_started_total{{namespace=~"$namespace"}}[{RI}]))', 'started/s'),
                              t(f'sum(rate(reconciliations_success_total{{namespace=~"$namespace"}}[{RI}]))', 'succeeded/s'),
                              t(f'sum(rate(raftkv_operator_reconcile_failures_total{{{OP}}}[{RI}])) or vector(0)',
                                'failed/s')], unit='ops'),
    panel('Operator JVM heap', [t('sum by (instance) (jvm_memory_used_bytes{job=~".*raftkv-operator.*",area="heap"})',
                                  '{{instance}}')], unit='bytes'),
    panel('Operator CPU', [t('max by (instance) (process_cpu_usage{job=~".*raftkv-operator.*"})', '{{instance}}')],
          unit='percentunit'),
]


def variables(with_pod):
    def query_var(name, label, metric, multi=True):
        return {'name': name, 'label': label, 'type': 'query', 'datasource': {'type': 'prometheus', 'uid': '$datasource'},
                'query': {'query': f'label_values({metric}, {label})', 'refId': f'{name}-var'},
                'definition': f'label_values({metric}, {label})', 'refresh': 2, 'includeAll': True, 'multi': multi,
                'allValue': '.+', 'current': {'text': 'All', 'value': '$__all'}, 'sort': 1}
    v = [{'name': 'datasource', 'label': 'Data source', 'type': 'datasource', 'query': 'prometheus',
          'current': {}, 'hide': 0},
         query_var('namespace', 'namespace', 'raftkv_raft_has_leader'),
         query_var('cluster', 'raftkv_cluster', 'raftkv_raft_has_leader{namespace=~"$namespace"}')]
    if with_pod:
        v.append(query_var('pod', 'pod', 'raftkv_raft_has_leader{namespace=~"$namespace",raftkv_cluster=~"$cluster"}'))
    return v


def operator_variables():
    v = variables(False)
    v[1]['query']['query'] = v[1]['definition'] = 'label_values(raftkv_cluster_replicas_desired, namespace)'
    v[2]['name'] = 'cluster'
    v[2]['query']['query'] = v[2]['definition'] = \
        'label_values(raftkv_cluster_replicas_desired{namespace=~"$namespace"}, name)'
    return v


def dashboard(uid, title, panels, templating, description):
    out, x, y, row_h = [], 0, 0, 0
    for i, p in enumerate(panels):
        if x + p['w'] > 24:
            x, y, row_h = 0, y + row_h, 0
        targets = [{'datasource': {'type': 'prometheus', 'uid': '$datasource'}, 'expr': tg['expr'],
                    'legendFormat': tg['legend'] or '__auto', 'refId': chr(ord('A') + j)}
                   for j, tg in enumerate(p['targets'])]
        out.append({'id': i + 1, 'title': p['title'], 'type': p['kind'], 'description': p['desc'],
                    'datasource': {'type': 'prometheus', 'uid': '$datasource'},
                    'gridPos': {'h': p['h'], 'w': p['w'], 'x': x, 'y': y},
                    'fieldConfig': {'defaults': {'unit': p['unit']}, 'overrides': []},
                    'options': {'legend': {'displayMode': 'list', 'placement': 'bottom'}} if p['kind'] == 'timeseries'
                    else {'reduceOptions': {'calcs': ['lastNotNull']}, 'colorMode': 'value'},
                    'targets': targets})
        x += p['w']
        row_h = max(row_h, p['h'])
    return {'uid': uid, 'title': title, 'description': description, 'tags': ['raftkv'], 'timezone': 'utc',
            'schemaVersion': 39, 'version': 1, 'editable': True, 'refresh': '30s',
            'time': {'from': 'now-1h', 'to': 'now'}, 'templating': {'list': templating},
            'annotations': {'list': []}, 'panels': out}


def main(out_dir):
    boards = {
        'raftkv-cluster.json': dashboard('raftkv-cluster', 'RaftKV / Cluster overview', CLUSTER, variables(False),
                                         'Leader, members, requests, latency, storage and peers of RaftKV clusters.'),
        'raftkv-node.json': dashboard('raftkv-node', 'RaftKV / Node', NODE_PANELS, variables(True),
                                      'One RaftKV member: Raft state, requests, storage, peers, JVM.'),
        'raftkv-operator.json': dashboard('raftkv-operator', 'RaftKV / Operator', OPERATOR, operator_variables(),
                                          'The RaftKV operator: clusters as it sees them, reconciliations, JVM.'),
    }
    os.makedirs(out_dir, exist_ok=True)
    for name, board in boards.items():
        with open(os.path.join(out_dir, name), 'w') as f:
            json.dump(board, f, indent=2, sort_keys=True)
            f.write('\n')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'config/grafana/dashboards')
