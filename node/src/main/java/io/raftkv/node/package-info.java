/**
 * The node process's composition root: {@link NodeMain} reads the configuration ({@link NodeConfig}:
 * flags, environment, properties file, defaults, validated up front; its settings come in groups,
 * {@code MemberFlags}, {@code RaftFlags}, {@code ServerFlags}, {@code SecurityFlags} and
 * {@code DataFlags}, resolved by one mechanism, {@code SettingValues}), opens storage, bootstraps a
 * new cluster's voters and wires the Raft driver, the peer transport, the client and probe servers,
 * metrics, security and the Kubernetes side; {@link EventLoops} says which Vert.x event loop does
 * what.
 *
 * <p>May depend on every package of the node (it is the only one that does); nothing in the node
 * depends on it. Checked by {@code NodeArchitectureTest}.
 */
package io.raftkv.node;
