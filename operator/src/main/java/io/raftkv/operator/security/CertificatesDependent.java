package io.raftkv.operator.security;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.CRUDBulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The cluster's cert-manager {@code Certificate} objects ({@link CertManagerCertificates}): one
 * dependent for the one kind of owned object, managing one Certificate per member pod plus the
 * operator's and the admin's (a bulk dependent: their number follows the members).
 *
 * <p>Active only while cert-manager's CRD exists ({@link CertManagerInstalled}); reconciled only
 * while TLS is on with {@code spec.tls.issuerRef} ({@link Enabled}); otherwise JOSDK deletes the
 * Certificates it made. Garbage-collected: they carry the cluster's owner reference, so deleting
 * the cluster needs no finalizer.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class CertificatesDependent extends KubernetesDependentResource<Certificate, RaftKvCluster>
        implements CRUDBulkDependentResource<Certificate, RaftKvCluster, String>, GarbageCollected<RaftKvCluster> {

    public CertificatesDependent() {
        super(Certificate.class);
    }

    @Override
    public Map<String, Certificate> desiredResources(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        int members = TlsOn.plan(context).map(TlsPlan::members).orElse(0);
        if (SecurityObjects.tls(cluster).getIssuerRef() == null) {
            return Map.of();
        }
        return CertManagerCertificates.desired(cluster, members);
    }

    @Override
    public Map<String, Certificate> getSecondaryResources(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        return eventSource()
                .map(es -> es.getSecondaryResources(cluster).stream()
                        .collect(Collectors.toMap(r -> r.getMetadata().getName(), r -> r)))
                .orElse(Map.of());
    }

    @Override
    public void deleteTargetResource(
            RaftKvCluster cluster, Certificate resource, String key, Context<RaftKvCluster> context) {
        context.getClient().resource(resource).delete();
    }

    /** Reconcile precondition: TLS on (a plan was made) with {@code spec.tls.issuerRef}. */
    public static class Enabled implements Condition<Certificate, RaftKvCluster> {
        @Override
        public boolean isMet(
                DependentResource<Certificate, RaftKvCluster> dependentResource,
                RaftKvCluster cluster,
                Context<RaftKvCluster> context) {
            return TlsOn.plan(context).isPresent()
                    && SecurityObjects.tls(cluster).getIssuerRef() != null;
        }
    }

    /**
     * Activation condition: cert-manager's Certificate CRD exists. Looked up at most once a
     * minute (JOSDK's own CRD condition cannot name the CRD of a generic resource).
     */
    public static class CertManagerInstalled implements Condition<HasMetadata, RaftKvCluster> {
        private static final Duration RECHECK = Duration.ofMinutes(1);
        private static final Map<String, Checked> CHECKED = new ConcurrentHashMap<>();

        private record Checked(boolean present, Instant at) {}

        @Override
        public boolean isMet(
                DependentResource<HasMetadata, RaftKvCluster> dependentResource,
                RaftKvCluster cluster,
                Context<RaftKvCluster> context) {
            return installed(context.getClient());
        }

        /** Whether {@value CertManagerCertificates#CRD_NAME} exists (cached for a minute). */
        public static boolean installed(io.fabric8.kubernetes.client.KubernetesClient client) {
            Instant now = Instant.now();
            Checked c = CHECKED.get(CertManagerCertificates.CRD_NAME);
            if (c == null || c.at().plus(RECHECK).isBefore(now)) {
                boolean present = client.apiextensions()
                                .v1()
                                .customResourceDefinitions()
                                .withName(CertManagerCertificates.CRD_NAME)
                                .get()
                        != null;
                c = new Checked(present, now);
                CHECKED.put(CertManagerCertificates.CRD_NAME, c);
            }
            return c.present();
        }

        /** Forgets the cached answer (tests that install the CRD). */
        public static void clear() {
            CHECKED.clear();
        }
    }
}
