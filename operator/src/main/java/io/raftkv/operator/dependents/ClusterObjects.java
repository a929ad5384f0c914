package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The pod contract shared with the node image (docs/architecture.md, "The pod contract"): object
 * names, labels, ports and paths. Every dependent derives names and labels from here, so the
 * contract lives in one place on the operator side.
 */
public final class ClusterObjects {

    public static final String LABEL_NAME = "app.kubernetes.io/name";
    public static final String LABEL_INSTANCE = "app.kubernetes.io/instance";
    public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String APP_NAME = "raftkv";
    public static final String COMPONENT_NODE = "node";
    public static final String MANAGER = "raftkv-operator";
    /** Label selector of every informer the operator opens on its owned objects. */
    public static final String MANAGED_BY_SELECTOR = LABEL_MANAGED_BY + "=" + MANAGER;

    public static final String CLIENT_PORT_NAME = "client";
    public static final int CLIENT_PORT = 9090;
    public static final String PEER_PORT_NAME = "peer";
    public static final int PEER_PORT = 9091;
    /** Plaintext probe port: HTTP /health /ready /metrics and grpc.health.v1 only (docs/security.md). */
    public static final String PROBE_PORT_NAME = "probe";

    public static final int PROBE_PORT = 9092;
    public static final String DATA_DIR = "/var/lib/raftkv";
    public static final String DATA_VOLUME = "data";

    /** Where the member Secret {@code <cluster>-tls} is mounted (docs/security.md). */
    public static final String TLS_DIR = "/etc/raftkv/tls";
    /** Where the auth Secret {@code <cluster>-auth} is mounted. */
    public static final String AUTH_DIR = "/etc/raftkv/auth";

    public static final String TLS_VOLUME = "tls";
    public static final String AUTH_VOLUME = "auth";
    /** The CA bundle in the member Secret (and in the admin Secret). */
    public static final String CA_CERT = "ca.crt";

    public static final String ROLES_FILE = "roles";
    public static final String TOKENS_FILE = "tokens";
    /** {@code RAFTKV_TLS=on} in the node container: the pods run TLS. */
    public static final String ENV_TLS = "RAFTKV_TLS";

    private ClusterObjects() {}

    /** The Secret the pods mount at {@value #TLS_DIR}: {@code <cluster>-tls}. */
    public static String memberSecretName(RaftKvCluster cluster) {
        return cluster.getMetadata().getName() + "-tls";
    }

    /** The Secret the pods mount at {@value #AUTH_DIR}: {@code <cluster>-auth}. */
    public static String authSecretName(RaftKvCluster cluster) {
        return cluster.getMetadata().getName() + "-auth";
    }

    public static String statefulSetName(RaftKvCluster cluster) {
        return cluster.getMetadata().getName();
    }

    public static String peerServiceName(RaftKvCluster cluster) {
        return cluster.getMetadata().getName() + "-peers";
    }

    public static String clientServiceName(RaftKvCluster cluster) {
        return cluster.getMetadata().getName();
    }

    public static String podDisruptionBudgetName(RaftKvCluster cluster) {
        return cluster.getMetadata().getName();
    }

    /** Name of the node ServiceAccount, and of its Role and RoleBinding. */
    public static String nodeAccountName(RaftKvCluster cluster) {
        return cluster.getMetadata().getName() + "-node";
    }

    /**
     * The labels that select a cluster's pods. They are part of the StatefulSet's immutable
     * selector, so they must never change for an existing cluster.
     */
    public static Map<String, String> selectorLabels(RaftKvCluster cluster) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_NAME, APP_NAME);
        labels.put(LABEL_INSTANCE, cluster.getMetadata().getName());
        labels.put(LABEL_COMPONENT, COMPONENT_NODE);
        return labels;
    }

    /** {@link #selectorLabels} in the string form of the scale subresource, sorted by key. */
    public static String selectorString(RaftKvCluster cluster) {
        return new TreeMap<>(selectorLabels(cluster))
                .entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    /**
     * Labels of every owned object and pod: the user's extra labels, then the standard ones, which
     * therefore win on a clash (a user label cannot detach a pod from its selector).
     */
    public static Map<String, String> labels(RaftKvCluster cluster) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (cluster.getSpec().getLabels() != null) {
            labels.putAll(cluster.getSpec().getLabels());
        }
        labels.putAll(selectorLabels(cluster));
        labels.put(LABEL_MANAGED_BY, MANAGER);
        return labels;
    }

    /** Annotations of every owned object and pod: the user's extra annotations. */
    public static Map<String, String> annotations(RaftKvCluster cluster) {
        Map<String, String> annotations = new LinkedHashMap<>();
        if (cluster.getSpec().getAnnotations() != null) {
            annotations.putAll(cluster.getSpec().getAnnotations());
        }
        return annotations;
    }

    /**
     * Metadata of an owned object: name, the cluster's namespace, labels, annotations and a
     * controller owner reference that blocks the owner's foreground deletion until the object is
     * gone, so that Kubernetes' garbage collector removes it with the cluster.
     */
    public static ObjectMeta metadata(RaftKvCluster cluster, String name) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(cluster.getMetadata().getNamespace())
                .withLabels(labels(cluster))
                .withAnnotations(annotations(cluster))
                .withOwnerReferences(ownerReference(cluster))
                .build();
    }

    /** The controller owner reference to {@code cluster}. */
    public static OwnerReference ownerReference(RaftKvCluster cluster) {
        return new OwnerReferenceBuilder()
                .withApiVersion(cluster.getApiVersion())
                .withKind(cluster.getKind())
                .withName(cluster.getMetadata().getName())
                .withUid(cluster.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /** Stable DNS name of pod {@code ordinal}: {@code <cluster>-<i>.<peers>.<ns>.svc}. */
    public static String podHost(RaftKvCluster cluster, int ordinal) {
        return podName(cluster, ordinal) + "." + peerServiceName(cluster) + "."
                + cluster.getMetadata().getNamespace() + ".svc";
    }

    /** Name of the pod with StatefulSet ordinal {@code ordinal}. */
    public static String podName(RaftKvCluster cluster, int ordinal) {
        return statefulSetName(cluster) + "-" + ordinal;
    }

    /** Peer address of member {@code ordinal}: {@code <cluster>-<i>.<peers>.<ns>.svc:9091}. */
    public static String peerAddress(RaftKvCluster cluster, int ordinal) {
        return podHost(cluster, ordinal) + ":" + PEER_PORT;
    }

    /** Client address of member {@code ordinal}: {@code <cluster>-<i>.<peers>.<ns>.svc:9090}. */
    public static String clientAddress(RaftKvCluster cluster, int ordinal) {
        return podHost(cluster, ordinal) + ":" + CLIENT_PORT;
    }

    /**
     * Name of the data PersistentVolumeClaim of pod {@code ordinal}, as the StatefulSet
     * controller names claims from the volumeClaimTemplate: {@code data-<cluster>-<i>}.
     */
    public static String dataClaimName(RaftKvCluster cluster, int ordinal) {
        return DATA_VOLUME + "-" + podName(cluster, ordinal);
    }

    /**
     * The ordinal of the pod a peer or client address of this cluster names (its first DNS label
     * is {@code <cluster>-<i>}), or -1 for any other address (an IP, a foreign host).
     */
    public static int ordinalOfAddress(RaftKvCluster cluster, String address) {
        if (address == null || address.isEmpty()) {
            return -1;
        }
        int colon = address.lastIndexOf(':');
        String host = colon < 0 ? address : address.substring(0, colon);
        int dot = host.indexOf('.');
        return ordinalOfPodName(cluster, dot < 0 ? host : host.substring(0, dot));
    }

    /** The ordinal in {@code <cluster>-<i>}, or -1 when {@code podName} has another shape. */
    public static int ordinalOfPodName(RaftKvCluster cluster, String podName) {
        String prefix = statefulSetName(cluster) + "-";
        if (podName == null
                || !podName.startsWith(prefix)
                || podName.length() == prefix.length()
                || podName.length() - prefix.length() > 6) {
            return -1;
        }
        String digits = podName.substring(prefix.length());
        if (!digits.chars().allMatch(ch -> ch >= '0' && ch <= '9') || digits.length() > 1 && digits.charAt(0) == '0') {
            return -1;
        }
        return Integer.parseInt(digits);
    }

    /** Largest number of members that may be down while a majority of {@code replicas} is up. */
    public static int toleratedFailures(int replicas) {
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be positive, got " + replicas);
        }
        return (replicas - 1) / 2;
    }

    /** Smallest majority of {@code replicas}. */
    public static int quorum(int replicas) {
        return replicas / 2 + 1;
    }
}
