package io.raftkv.node.k8s;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who this pod is in its RaftKvCluster, from the pod contract's environment: {@code POD_NAME} and
 * {@code POD_NAMESPACE} (downward API), {@code RAFTKV_CLUSTER}, {@code RAFTKV_PEER_SERVICE} and
 * {@code RAFTKV_REPLICAS}, and {@code RAFTKV_BOOTSTRAP} ({@code false} when the operator found
 * volumes of an earlier incarnation of the cluster: then no pod may bootstrap). Pure: no I/O, so
 * every derivation is unit-testable.
 *
 * <p>Invariants: {@code podName == cluster + "-" + ordinal}; {@code ordinal ≥ 0};
 * {@code initialReplicas ≥ 1}; every name is a valid DNS label (so the derived DNS names are
 * valid host names). The StatefulSet {@code <cluster>} names its pods {@code <cluster>-<ordinal>}
 * and the headless Service gives each one the record
 * {@code <pod>.<peerService>.<namespace>.svc}, which is stable across restarts (the IP is not).
 *
 * @param cluster         the RaftKvCluster's name (also the StatefulSet's)
 * @param namespace       the namespace of the pod and of the RaftKvCluster
 * @param podName         this pod's name
 * @param ordinal         this pod's StatefulSet ordinal
 * @param peerService     the headless Service that publishes every pod's DNS record
 * @param initialReplicas voters the cluster was bootstrapped with (ordinals {@code 0..n-1})
 * @param bootstrapAllowed false when the cluster's data predates this StatefulSet (its
 *                        RaftKvCluster was recreated over existing volumes): a fresh volume then
 *                        always joins, whatever its ordinal, so a second cluster is never born
 */
public record PodIdentity(
        String cluster,
        String namespace,
        String podName,
        int ordinal,
        String peerService,
        int initialReplicas,
        boolean bootstrapAllowed) {

    /** The environment variable whose presence means "running in Kubernetes". */
    public static final String ENV_POD_NAME = "POD_NAME";

    static final String ENV_POD_NAMESPACE = "POD_NAMESPACE";
    static final String ENV_CLUSTER = "RAFTKV_CLUSTER";
    static final String ENV_PEER_SERVICE = "RAFTKV_PEER_SERVICE";
    static final String ENV_REPLICAS = "RAFTKV_REPLICAS";
    static final String ENV_BOOTSTRAP = "RAFTKV_BOOTSTRAP";
    /** The CRD allows at most 9 replicas; the bound keeps a typo from deriving thousands of peers. */
    static final int MAX_INITIAL_REPLICAS = 9;

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public PodIdentity {
        requireLabel("cluster (" + ENV_CLUSTER + ")", cluster);
        requireLabel("namespace (" + ENV_POD_NAMESPACE + ")", namespace);
        requireLabel("pod name (" + ENV_POD_NAME + ")", podName);
        requireLabel("peer service (" + ENV_PEER_SERVICE + ")", peerService);
        if (ordinal < 0) {
            throw new IllegalArgumentException("ordinal must be ≥ 0, got " + ordinal);
        }
        if (!podName.equals(cluster + "-" + ordinal)) {
            throw new IllegalArgumentException("pod name '" + podName + "' is not <cluster>-<ordinal> for cluster '"
                    + cluster + "' and ordinal " + ordinal);
        }
        if (initialReplicas < 1 || initialReplicas > MAX_INITIAL_REPLICAS) {
            throw new IllegalArgumentException(
                    ENV_REPLICAS + " must be in 1.." + MAX_INITIAL_REPLICAS + ", got " + initialReplicas);
        }
    }

    /**
     * The identity described by {@code env}, or empty when {@code POD_NAME} is not set (not in
     * Kubernetes: settings then come from flags only).
     *
     * @throws IllegalArgumentException naming the variable that is missing or malformed
     */
    public static Optional<PodIdentity> fromEnvironment(Map<String, String> env) {
        String podName = env.getOrDefault(ENV_POD_NAME, "").trim();
        if (podName.isEmpty()) {
            return Optional.empty();
        }
        String cluster = required(env, ENV_CLUSTER);
        String namespace = required(env, ENV_POD_NAMESPACE);
        String peerService = env.getOrDefault(ENV_PEER_SERVICE, "").trim();
        if (peerService.isEmpty()) {
            peerService = cluster + "-peers";
        }
        String replicasText = required(env, ENV_REPLICAS);
        int replicas;
        try {
            replicas = Integer.parseInt(replicasText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ENV_REPLICAS + " must be an integer, got '" + replicasText + "'");
        }
        String bootstrap = env.getOrDefault(ENV_BOOTSTRAP, "true").trim();
        if (!bootstrap.equals("true") && !bootstrap.equals("false")) {
            throw new IllegalArgumentException(ENV_BOOTSTRAP + " must be true or false, got '" + bootstrap + "'");
        }
        return Optional.of(new PodIdentity(
                cluster,
                namespace,
                podName,
                ordinalOf(podName, cluster),
                peerService,
                replicas,
                Boolean.parseBoolean(bootstrap)));
    }

    /**
     * The ordinal in {@code podName = <cluster>-<ordinal>}.
     *
     * @throws IllegalArgumentException when the name does not have that shape (e.g. a Deployment's pod)
     */
    public static int ordinalOf(String podName, String cluster) {
        String prefix = cluster + "-";
        if (!podName.startsWith(prefix) || podName.length() == prefix.length()) {
            throw new IllegalArgumentException("pod name '" + podName + "' does not start with '" + prefix
                    + "<ordinal>': the node must run in the StatefulSet named after its cluster (" + ENV_CLUSTER + ")");
        }
        String digits = podName.substring(prefix.length());
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')
                || (digits.length() > 1 && digits.charAt(0) == '0')
                || digits.length() > 6) {
            throw new IllegalArgumentException(
                    "pod name '" + podName + "' does not end in a StatefulSet ordinal" + " (got '" + digits + "')");
        }
        return Integer.parseInt(digits);
    }

    /**
     * Whether this pod is one of the voters a brand-new cluster bootstraps with: never when the
     * operator forbade bootstrapping ({@code RAFTKV_BOOTSTRAP=false}).
     */
    public boolean isInitialMember() {
        return bootstrapAllowed && ordinal < initialReplicas;
    }

    /** {@code <cluster>-<ordinal>.<peerService>.<namespace>.svc}: the stable DNS name of that pod. */
    public String podHost(int ordinalOfPod) {
        if (ordinalOfPod < 0) {
            throw new IllegalArgumentException("ordinal must be ≥ 0, got " + ordinalOfPod);
        }
        return cluster + "-" + ordinalOfPod + "." + peerService + "." + namespace + ".svc";
    }

    /** This pod's own DNS name. */
    public String ownHost() {
        return podHost(ordinal);
    }

    /**
     * The pod behind a host name of this cluster ({@code <cluster>-<i>} as the first DNS label,
     * followed by this cluster's peer service), or empty for any other host (an IP, a proxy).
     */
    public Optional<String> podNameOfHost(String host) {
        int dot = host.indexOf('.');
        String first = dot < 0 ? host : host.substring(0, dot);
        String rest = dot < 0 ? "" : host.substring(dot + 1);
        if (!rest.equals(peerService + "." + namespace + ".svc")
                && !rest.startsWith(peerService + "." + namespace + ".svc.")) {
            return Optional.empty();
        }
        try {
            ordinalOf(first, cluster);
            return Optional.of(first);
        } catch (IllegalArgumentException notAPodOfThisCluster) {
            return Optional.empty();
        }
    }

    private static String required(Map<String, String> env, String name) {
        String v = env.getOrDefault(name, "").trim();
        if (v.isEmpty()) {
            throw new IllegalArgumentException(ENV_POD_NAME + " is set (running in Kubernetes) but " + name
                    + " is missing; the operator's pod template sets it");
        }
        return v;
    }

    private static void requireLabel(String what, String value) {
        if (value == null || !DNS_LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be a DNS label (lower-case letters, digits and '-',"
                    + " at most 63 characters), got '" + value + "'");
        }
    }
}
