/**
 * What the member's ports and its configuration share about the network: {@link HostPort}, a
 * validated {@code host:port}, and connection admission at the TCP level for every listener
 * ({@link ConnectionGuard}: a cap on open connections, per address, idle and first-request
 * timeouts) with its limits ({@link ListenerLimits}). Depends on no other package of RaftKV; the
 * transport, the servers, the driver, Kubernetes discovery and the configuration use it. Checked
 * by {@code NodeArchitectureTest}.
 */
package io.raftkv.node.net;
