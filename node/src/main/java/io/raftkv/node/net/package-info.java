/**
 * Network addresses shared by the member's ports and its configuration: {@link HostPort}, a
 * validated {@code host:port}. Depends on no other package of RaftKV; the transport, the servers,
 * the driver, Kubernetes discovery and the configuration use it. Checked by
 * {@code NodeArchitectureTest}.
 */
package io.raftkv.node.net;
