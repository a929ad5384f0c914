package io.raftkv.e2e.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.raftkv.operator.EvictingCrudDispatcher;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

/**
 * A Fabric8 mock API server in CRUD mode on {@code 127.0.0.1} (an ephemeral port), with the
 * RaftKvCluster CRD applied from {@code crds/} — the checked-in copy users apply — so that the
 * server learns the resource's scope and its status subresource.
 *
 * <p>What it is not: it has no controllers. No garbage collector (the {@link SimulatedKubelet}
 * plays it for owner references), no StatefulSet controller and no kubelet (the same class plays
 * both), no admission (the CRD's OpenAPI and CEL validation are not enforced), no
 * authentication or RBAC (the RBAC objects the operator creates are stored, not checked).
 *
 * <p>One deviation is corrected: the CRUD dispatcher applies merge patches with Jackson's
 * updating reader, which <em>appends</em> to arrays, where RFC 7386 (and the real API server)
 * replaces them and removes keys set to null. The node's status report is such a patch
 * ({@code members} is an array), so {@link Rfc7386CrudDispatcher} applies merge patches by the
 * RFC.
 */
public final class MockApiServer implements AutoCloseable {

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    private MockApiServer(KubernetesMockServer server, KubernetesClient client) {
        this.server = server;
        this.client = client;
    }

    /** Starts the server, applies the CRD at {@code crdFile} and creates {@code namespaces}. */
    public static MockApiServer start(Path crdFile, String... namespaces) {
        return start(java.util.List.of(crdFile), namespaces);
    }

    /** Starts the server, applies the CRDs in {@code crdFiles} and creates {@code namespaces}. */
    public static MockApiServer start(java.util.List<Path> crdFiles, String... namespaces) {
        KubernetesMockServer server = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new Rfc7386CrudDispatcher(), false);
        try {
            server.start(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the mock API server", e);
        }
        KubernetesClient client = newClient("http://127.0.0.1:" + server.getPort());
        for (Path crdFile : crdFiles) {
            try (InputStream crd = Files.newInputStream(crdFile)) {
                client.apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .load(crd)
                        .create();
            } catch (IOException e) {
                server.shutdown();
                throw new UncheckedIOException("cannot read the CRD " + crdFile, e);
            }
        }
        for (String ns : namespaces) {
            client.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(ns)
                            .endMetadata()
                            .build())
                    .create();
        }
        return new MockApiServer(server, client);
    }

    /**
     * A client with the deadlines the operator uses, and nothing taken from the machine's
     * kubeconfig or service account.
     */
    public static KubernetesClient newClient(String masterUrl) {
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl(masterUrl)
                .withNamespace("default")
                .withRequestTimeout(30_000)
                .withConnectionTimeout(10_000)
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** {@code http://127.0.0.1:PORT}: what processes get as {@code KUBERNETES_MASTER}. */
    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    public KubernetesClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
        server.shutdown();
    }

    /**
     * The CRUD dispatcher with merge patches applied as RFC 7386 specifies, and the Eviction API
     * (the operator restarts pods by evicting them).
     */
    static final class Rfc7386CrudDispatcher extends EvictingCrudDispatcher {
        private static final ObjectMapper JSON = new ObjectMapper();

        @Override
        public JsonNode merge(JsonNode source, String patch) throws KubernetesCrudDispatcherException {
            try {
                return mergePatch(source.deepCopy(), JSON.readTree(patch));
            } catch (JsonProcessingException e) {
                throw new KubernetesCrudDispatcherException(e.getMessage(), 400);
            }
        }

        /** RFC 7386, section 2: objects merge recursively, null removes, anything else replaces. */
        static JsonNode mergePatch(JsonNode target, JsonNode patch) {
            if (!patch.isObject()) {
                return patch;
            }
            ObjectNode result = target != null && target.isObject() ? (ObjectNode) target : JSON.createObjectNode();
            patch.properties().forEach(e -> {
                if (e.getValue().isNull()) {
                    result.remove(e.getKey());
                } else {
                    result.set(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
                }
            });
            return result;
        }
    }
}
