package io.raftkv.operator.security;

import io.raftkv.operator.api.v1alpha1.IssuerRefSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.TlsSpec;
import io.raftkv.operator.dependents.ClusterObjects;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cert-manager {@code Certificate} objects ({@code cert-manager.io/v1}, their spec built as a
 * map: the operator needs no cert-manager classes; see {@link Certificate}) of a cluster whose
 * {@code spec.tls.issuerRef} names an issuer:
 *
 * <ul>
 *   <li>one per member pod, {@code <pod>-tls}, writing the Secret {@code <pod>-tls}: the pod's
 *       DNS names ({@link SecurityObjects#memberDnsNames}), server and client auth;</li>
 *   <li>{@code <cluster>-operator-tls}: CN {@value SecurityObjects#OPERATOR_USER}, client auth (the
 *       operator's own admin calls);</li>
 *   <li>{@code <cluster>-admin-tls}: CN {@value SecurityObjects#ADMIN_USER}, client auth (copied into
 *       the admin credential Secret {@code <cluster>-admin} with its token).</li>
 * </ul>
 *
 * Every one asks for an EC P-256 key in PKCS#8 (what the node reads), a new key at each renewal,
 * {@code spec.tls.certificateDays} of validity, renewal {@code renewBeforeDays} before expiry, and
 * labels the Secret cert-manager writes with the cluster's labels.
 */
public final class CertManagerCertificates {

    public static final String API_VERSION = "cert-manager.io/v1";
    public static final String KIND = "Certificate";
    /** The CRD whose presence activates the Certificate dependent. */
    public static final String CRD_NAME = "certificates.cert-manager.io";

    private CertManagerCertificates() {}

    /** Name of the Certificate and of the Secret it writes, for member {@code ordinal}. */
    public static String memberSecretName(RaftKvCluster cluster, int ordinal) {
        return ClusterObjects.podName(cluster, ordinal) + "-tls";
    }

    public static String operatorSecretName(RaftKvCluster cluster) {
        return cluster.getMetadata().getName() + "-operator-tls";
    }

    public static String adminSecretName(RaftKvCluster cluster) {
        return cluster.getMetadata().getName() + "-admin-tls";
    }

    /** Every Certificate of the cluster with {@code members} members, by name. */
    public static Map<String, Certificate> desired(RaftKvCluster cluster, int members) {
        Map<String, Certificate> out = new LinkedHashMap<>();
        for (int ordinal = 0; ordinal < members; ordinal++) {
            String name = memberSecretName(cluster, ordinal);
            out.put(
                    name,
                    certificate(
                            cluster,
                            name,
                            ClusterObjects.podName(cluster, ordinal),
                            SecurityObjects.memberDnsNames(cluster, ordinal),
                            List.of("digital signature", "server auth", "client auth")));
        }
        String operator = operatorSecretName(cluster);
        out.put(
                operator,
                certificate(
                        cluster,
                        operator,
                        SecurityObjects.OPERATOR_USER,
                        List.of(),
                        List.of("digital signature", "client auth")));
        String admin = adminSecretName(cluster);
        out.put(
                admin,
                certificate(
                        cluster,
                        admin,
                        SecurityObjects.ADMIN_USER,
                        List.of(),
                        List.of("digital signature", "client auth")));
        return out;
    }

    static Certificate certificate(
            RaftKvCluster cluster, String name, String commonName, List<String> dnsNames, List<String> usages) {
        TlsSpec tls = SecurityObjects.tls(cluster);
        IssuerRefSpec ref = tls.getIssuerRef();
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("secretName", name);
        spec.put("secretTemplate", Map.of("labels", ClusterObjects.labels(cluster)));
        spec.put("commonName", commonName);
        if (!dnsNames.isEmpty()) {
            spec.put("dnsNames", dnsNames);
        }
        spec.put("duration", tls.getCertificateDays() * 24 + "h");
        spec.put("renewBefore", tls.getRenewBeforeDays() * 24 + "h");
        spec.put(
                "privateKey",
                Map.of("algorithm", "ECDSA", "size", 256, "encoding", "PKCS8", "rotationPolicy", "Always"));
        spec.put("usages", usages);
        spec.put(
                "issuerRef",
                Map.of(
                        "name", ref.getName(),
                        "kind", ref.getKind() == null ? IssuerRefSpec.DEFAULT_KIND : ref.getKind(),
                        "group", ref.getGroup() == null ? IssuerRefSpec.DEFAULT_GROUP : ref.getGroup()));
        Certificate c = new Certificate();
        c.setMetadata(ClusterObjects.metadata(cluster, name));
        c.setSpec(spec);
        return c;
    }
}
