package io.raftkv.node.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link ClusterResource} over the Fabric8 client with the JDK HTTP client (Vert.x 4, Fabric8's
 * default, must not enter the node). The RaftKvCluster is handled as an untyped resource so the
 * node does not depend on the operator's classes; the group, version and plural are the CRD's
 * and are spelled out here so no discovery request is needed.
 *
 * <p>Needs only what the operator's node Role grants: {@code get} on the RaftKvCluster and
 * {@code patch} on its {@code status} subresource. Every request has a deadline
 * ({@link #REQUEST_TIMEOUT_MS}); Fabric8's own retries are off because callers retry with their
 * own backoff and must not be blocked longer than one deadline.
 */
public final class Fabric8ClusterResource implements ClusterResource, AutoCloseable {
    static final ResourceDefinitionContext RAFTKV_CLUSTERS = new ResourceDefinitionContext.Builder()
            .withGroup("raftkv.io")
            .withVersion("v1alpha1")
            .withPlural("raftkvclusters")
            .withKind("RaftKvCluster")
            .withNamespaced(true)
            .build();
    static final int REQUEST_TIMEOUT_MS = 10_000;
    static final int CONNECT_TIMEOUT_MS = 5_000;

    private final KubernetesClient client;
    private final PodIdentity pod;

    private Fabric8ClusterResource(KubernetesClient client, PodIdentity pod) {
        this.client = client;
        this.pod = pod;
    }

    /**
     * A client configured the standard way: in a pod, the service account token and
     * {@code KUBERNETES_SERVICE_HOST}; elsewhere {@code KUBERNETES_MASTER} or a kubeconfig (used by
     * the end-to-end harness, whose API server is a local mock).
     */
    public static Fabric8ClusterResource autoConfigured(PodIdentity pod) {
        return connect(pod, Config.autoConfigure(null));
    }

    /** A client for {@code base} (its server and credentials) with this class's deadlines. */
    public static Fabric8ClusterResource connect(PodIdentity pod, Config base) {
        Config config = new ConfigBuilder(base)
                .withRequestTimeout(REQUEST_TIMEOUT_MS)
                .withConnectionTimeout(CONNECT_TIMEOUT_MS)
                .withRequestRetryBackoffLimit(0)
                .build();
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(config)
                .withHttpClientFactory(new JdkHttpClientFactory())
                .build();
        return new Fabric8ClusterResource(client, pod);
    }

    @Override
    public ObservedClusterStatus readStatus() {
        GenericKubernetesResource cr;
        try {
            cr = resource().get();
        } catch (KubernetesClientException e) {
            throw translate("read", e);
        }
        if (cr == null) {
            throw new ClusterResourceException(
                    "RaftKvCluster " + pod.namespace() + "/" + pod.cluster() + " does not exist", false, null);
        }
        Object status = cr.getAdditionalProperties().get("status");
        String rv = cr.getMetadata() == null ? "" : cr.getMetadata().getResourceVersion();
        if (!(status instanceof Map<?, ?> st)) {
            return new ObservedClusterStatus(rv, 0, "", Set.of());
        }
        long term = st.get("term") instanceof Number n ? n.longValue() : 0;
        String leader = st.get("leader") instanceof String s ? s : "";
        Set<Long> ids = new HashSet<>();
        if (st.get("members") instanceof List<?> members) {
            for (Object m : members) {
                if (m instanceof Map<?, ?> mm && mm.get("id") != null) {
                    try {
                        ids.add(Long.parseLong(mm.get("id").toString()));
                    } catch (NumberFormatException ignoredForeignEntry) {
                        // an id the node did not write; it cannot collide with a numeric id
                    }
                }
            }
        }
        return new ObservedClusterStatus(rv, Math.max(0, term), leader, ids);
    }

    @Override
    public boolean patchStatus(String resourceVersion, ClusterStatusReport report) {
        try {
            resource()
                    .subresource("status")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), report.toMergePatch(resourceVersion));
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return false;
            }
            throw translate("patch the status of", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }

    private Resource<GenericKubernetesResource> resource() {
        return client.genericKubernetesResources(RAFTKV_CLUSTERS)
                .inNamespace(pod.namespace())
                .withName(pod.cluster());
    }

    private ClusterResourceException translate(String action, KubernetesClientException e) {
        int code = e.getCode();
        // 401/403: RBAC or credentials; 404: the object is gone; 422: the CRD rejects the shape. Retrying
        // the same request cannot help (the reporter still backs off and tries again later).
        boolean retryable = code != 401 && code != 403 && code != 404 && code != 422;
        return new ClusterResourceException(
                "cannot " + action + " RaftKvCluster " + pod.namespace() + "/" + pod.cluster() + " (HTTP " + code
                        + "): " + e.getMessage(),
                retryable,
                e);
    }
}
