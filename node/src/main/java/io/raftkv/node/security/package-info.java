/**
 * Who may talk to a node, and over what: TLS material loaded from PEM files and re-read when the
 * files change ({@link io.raftkv.node.security.ReloadingTls}), the peer port's mutual-TLS rules
 * (a connection's certificate must chain to the cluster CA and name a current member, and the
 * connection may then speak only for that member: {@link io.raftkv.node.security.PeerTls}), and the
 * client port's authentication (client certificate or bearer token), role-based authorization
 * with optional key-prefix scoping and audit log ({@link io.raftkv.node.security.ClientAuth}), behind
 * the port the client and etcd servers call ({@link io.raftkv.node.security.ClientPortSecurity}).
 *
 * <p>Naming scheme of certificates ({@link io.raftkv.node.security.CertificateNames}): a member's
 * certificate carries the URI SAN {@code raftkv://<cluster>/member/<id>}, or else a DNS SAN equal
 * to the host of that member's advertised peer address; a client's user name is its certificate's
 * subject CN. docs/security.md is the reference.
 *
 * <p>Depends on the api module's error types ({@code io.raftkv.api}, {@code io.raftkv.api.v1}).
 * One known exception, frozen in {@code NodeArchitectureTest}: {@code PeerTls.Members} is built
 * from the driver's {@code NodeStatus}, which closes a cycle through the peer transport, which uses
 * this package.
 */
package io.raftkv.node.security;
