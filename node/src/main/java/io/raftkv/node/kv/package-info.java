/**
 * The contract between the member's servers and its replicated state machine: the commands a
 * client request becomes ({@link Command}, encoded by {@link CommandCodec}, refused as
 * {@link MalformedCommandException}), what applying one returns ({@link ApplyResult}), what reads
 * return ({@link KeyValue}, {@link RangeResult}, {@link KeyRead}, {@link Revisions},
 * {@link RevisionUnavailableException}, {@link KeyRanges}, {@link StateHash}), the replicated alarms
 * ({@link ActiveAlarms}, {@link AlarmType}), the changes watchers see ({@link KvEvent},
 * {@link Changes}, {@link ChangeListener}), and the two views of the state machine: {@link KvReader}
 * (the reads a service makes) and {@link StateMachineView} (what {@code RaftNodeApi.stateMachine()}
 * hands out: reads, alarms, data size, history and the hooks the member wires).
 *
 * <p>Plain values and interfaces: depends on no other package of RaftKV. {@code node.storage}
 * implements it ({@code KvStateMachine}) and stores what it names; the servers ({@code node.server},
 * {@code node.etcd}), alarms, leases, compaction and watchers use it instead of storage. Checked by
 * {@code NodeArchitectureTest}.
 */
package io.raftkv.node.kv;
