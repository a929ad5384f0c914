package io.raftkv.operator.security;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.raftkv.operator.api.v1alpha1.AuthSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.TlsSpec;
import io.raftkv.operator.dependents.ClusterObjects;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The security part of the pod contract (docs/architecture.md, "The pod contract"): Secret
 * names and keys, mount paths, the users the operator binds, and whether TLS and auth are on.
 *
 * <p>Each pod mounts the Secret {@code <cluster>-tls} at {@value #TLS_DIR}; it holds the CA
 * bundle {@code ca.crt} and one certificate and key per pod ordinal, named after the pod
 * ({@code <pod>.crt}, {@code <pod>.key}). The template points the node at its own pair with
 * {@code RAFTKV_TLS_CERT=/etc/raftkv/tls/$(POD_NAME).crt} (Kubernetes expands {@code $(VAR)}
 * from variables defined before), so one StatefulSet template serves every ordinal.
 */
public final class SecurityObjects {

    public static final String TLS_DIR = ClusterObjects.TLS_DIR;
    public static final String AUTH_DIR = ClusterObjects.AUTH_DIR;
    public static final String TLS_VOLUME = ClusterObjects.TLS_VOLUME;
    public static final String AUTH_VOLUME = ClusterObjects.AUTH_VOLUME;

    public static final String CA_CERT = ClusterObjects.CA_CERT;
    public static final String CA_KEY = "ca.key";
    /** The CA before the last rotation, still trusted until every certificate is reissued. */
    public static final String PREVIOUS_CA_CERT = "previous-ca.crt";

    public static final String OPERATOR_CERT = "operator.crt";
    public static final String OPERATOR_KEY = "operator.key";
    public static final String TLS_CERT = "tls.crt";
    public static final String TLS_KEY = "tls.key";
    public static final String TOKEN = "token";
    public static final String ROLES_FILE = ClusterObjects.ROLES_FILE;
    public static final String TOKENS_FILE = ClusterObjects.TOKENS_FILE;

    /** CN of the operator's client certificate: bound to the admin role on every node. */
    public static final String OPERATOR_USER = "raftkv-operator";
    /** CN of the admin credential Secret's certificate, and its token's user. */
    public static final String ADMIN_USER = "admin";

    public static final String ENV_TLS = ClusterObjects.ENV_TLS;

    private SecurityObjects() {}

    /** The CA Secret {@code <cluster>-ca}: CA and operator credentials; pods never mount it. */
    public static String caSecretName(RaftKvCluster cluster) {
        return cluster.getMetadata().getName() + "-ca";
    }

    /** The Secret the pods mount at {@value #TLS_DIR}: {@code <cluster>-tls}. */
    public static String memberSecretName(RaftKvCluster cluster) {
        return ClusterObjects.memberSecretName(cluster);
    }

    /** The admin credential Secret for users: {@code <cluster>-admin}. */
    public static String adminSecretName(RaftKvCluster cluster) {
        return cluster.getMetadata().getName() + "-admin";
    }

    /** The Secret the pods mount at {@value #AUTH_DIR}: {@code <cluster>-auth}. */
    public static String authSecretName(RaftKvCluster cluster) {
        return ClusterObjects.authSecretName(cluster);
    }

    /** Key of pod {@code ordinal}'s certificate in the member Secret: {@code <pod>.crt}. */
    public static String memberCertKey(RaftKvCluster cluster, int ordinal) {
        return ClusterObjects.podName(cluster, ordinal) + ".crt";
    }

    /** Key of pod {@code ordinal}'s private key in the member Secret: {@code <pod>.key}. */
    public static String memberKeyKey(RaftKvCluster cluster, int ordinal) {
        return ClusterObjects.podName(cluster, ordinal) + ".key";
    }

    /**
     * The DNS SANs of member {@code ordinal}: the pod's DNS name under the peer Service (what the
     * node's peer-identity rule matches: docs/security.md), its longer and shorter forms, the
     * client Service's names (clients dialling the Service check the host name) and
     * {@code localhost} (for {@code kubectl port-forward}).
     */
    public static List<String> memberDnsNames(RaftKvCluster cluster, int ordinal) {
        String ns = cluster.getMetadata().getNamespace();
        String pod = ClusterObjects.podName(cluster, ordinal) + "." + ClusterObjects.peerServiceName(cluster);
        String service = ClusterObjects.clientServiceName(cluster);
        List<String> names = new ArrayList<>();
        names.add(ClusterObjects.podHost(cluster, ordinal));
        names.add(pod + "." + ns + ".svc.cluster.local");
        names.add(pod + "." + ns);
        names.add(pod);
        names.add(service + "." + ns + ".svc");
        names.add(service + "." + ns + ".svc.cluster.local");
        names.add(service + "." + ns);
        names.add(service);
        names.add("localhost");
        return names;
    }

    /**
     * Whether the cluster runs with TLS: {@code spec.tls.enabled} when given; otherwise as the
     * existing StatefulSet runs ({@value #ENV_TLS}), and on for a cluster that does not exist yet.
     */
    public static boolean tlsEnabled(RaftKvCluster cluster, Optional<StatefulSet> existing) {
        TlsSpec tls = cluster.getSpec().getTls();
        if (tls != null && tls.getEnabled() != null) {
            return tls.getEnabled();
        }
        return existing.map(SecurityObjects::runsTls).orElse(true);
    }

    /** Whether a StatefulSet's node container has {@code RAFTKV_TLS=on}. */
    public static boolean runsTls(StatefulSet sts) {
        return sts.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getEnv() != null)
                .flatMap(c -> c.getEnv().stream())
                .filter(e -> ENV_TLS.equals(e.getName()))
                .map(EnvVar::getValue)
                .anyMatch("on"::equals);
    }

    /** Whether clients must authenticate: {@code spec.auth.enabled}, by default as TLS. */
    public static boolean authEnabled(RaftKvCluster cluster, boolean tls) {
        AuthSpec auth = cluster.getSpec().getAuth();
        if (auth != null && auth.getEnabled() != null) {
            return auth.getEnabled();
        }
        return tls;
    }

    /** {@code spec.tls}, or its defaults. */
    public static TlsSpec tls(RaftKvCluster cluster) {
        return cluster.getSpec().getTls() != null ? cluster.getSpec().getTls() : new TlsSpec();
    }
}
