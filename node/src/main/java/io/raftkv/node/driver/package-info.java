/**
 * The Raft driver: {@link RaftDriver} owns the consensus core on ONE Vert.x event-loop context and
 * runs its {@code ReadyLoop} (persist to storage, send through the transport, apply to the state
 * machine). Around it: proposals waiting for their entry ({@link ProposalTracker}), batched
 * ReadIndex barriers ({@link ReadIndexQueue}), membership changes and leadership transfer validated
 * before they reach the core ({@link MembershipCommands}, {@link MemberDirectory},
 * {@link MemberAddresses}), snapshots taken and installed ({@link SnapshotCoordinator}), loop health
 * ({@link LoopLatency}), the published status ({@link StatusReporter}, {@link NodeStatus}), and the
 * typed errors the servers map to gRPC statuses ({@link RaftNodeException} and its subclasses).
 *
 * <p>What the servers see of it is {@link RaftNodeApi}, whose signatures name only the state
 * machine's contract ({@link io.raftkv.node.kv}: {@link RaftNodeApi#stateMachine()} is a
 * {@code StateMachineView}). Depends on the core ({@code io.raftkv.raft}, {@code io.raftkv.raft.loop}),
 * {@link io.raftkv.node.kv}, {@link io.raftkv.node.net}, {@link io.raftkv.node.storage} and
 * {@link io.raftkv.node.transport}; never on the servers, metrics, security or Kubernetes packages
 * (they observe it through {@link DriverObserver} and {@link NodeStatus}). Known exception, frozen
 * in {@code NodeArchitectureTest}: the driver builds {@code io.raftkv.node.alarm.Alarms}, a package
 * built on it.
 */
package io.raftkv.node.driver;
