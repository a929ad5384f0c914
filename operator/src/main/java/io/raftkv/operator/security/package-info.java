/**
 * Security of a cluster on Kubernetes: the operator-managed CA and the certificates it issues
 * ({@link io.raftkv.operator.security.CertificateAuthority},
 * {@link io.raftkv.operator.security.TlsPlanner}), the auth files
 * ({@link io.raftkv.operator.security.AuthPlanner}), one dependent per owned object (the CA,
 * member, admin and auth Secrets, the NetworkPolicy), the TLS part of the pod template
 * ({@link io.raftkv.operator.security.PodSecurity}) and the steps the reconciler runs
 * ({@link io.raftkv.operator.security.ClusterSecurity}).
 */
package io.raftkv.operator.security;
