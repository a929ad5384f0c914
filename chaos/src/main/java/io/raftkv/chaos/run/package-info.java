/**
 * One chaos run from start to verdict ({@link ChaosRun}, described by {@link RunSpec} and
 * {@link FaultSchedule}) and campaigns of them ({@link ChaosCampaign}): start the cluster and the
 * workload, inject and heal faults, read every key at the end ({@link FinalReads}), then check the
 * history for linearizability, count lost writes ({@link LostWrites}) and compare the replicas
 * ({@link ReplicaComparison}); results in {@link RunResult}, {@link SummaryTable} and the event log
 * ({@link RunEvents}). docs/testing.md is the reference.
 *
 * <p>The harness's composition root: may depend on every package of chaos, e2e and the client.
 * Checked by {@code ChaosArchitectureTest}.
 */
package io.raftkv.chaos.run;
