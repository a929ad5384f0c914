/**
 * Security of a cluster on Kubernetes: the operator-managed CA and the certificates it issues
 * ({@link io.raftkv.operator.security.CertificateAuthority},
 * {@link io.raftkv.operator.security.TlsPlanner}), the auth files
 * ({@link io.raftkv.operator.security.AuthPlanner}), one dependent per owned object (the CA,
 * member, admin and auth Secrets, the NetworkPolicy), the TLS part of the pod template
 * (in {@code dependents.NodePodSecurity}, since the StatefulSet is built there) and the steps the
 * reconciler runs ({@link io.raftkv.operator.security.ClusterSecurity}). With
 * {@code spec.tls.issuerRef} a cert-manager issuer signs instead: the cluster's
 * {@link io.raftkv.operator.security.Certificate} objects
 * ({@link io.raftkv.operator.security.CertManagerCertificates}, one bulk dependent
 * {@link io.raftkv.operator.security.CertificatesDependent}) and the Secrets assembled from what
 * cert-manager writes ({@link io.raftkv.operator.security.CertManagerPlanner}).
 *
 * <p>Depends on the custom resource's types, on {@code dependents} (the pod contract's names and
 * {@code OwnedDependent}), on {@code membership} (the operator's node credentials) and on
 * {@code status} (conditions and events); none of those depends on it.
 */
package io.raftkv.operator.security;
