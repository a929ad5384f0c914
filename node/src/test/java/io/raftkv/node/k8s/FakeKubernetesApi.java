package io.raftkv.node.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A minimal Kubernetes API server for one RaftKvCluster, over real HTTP, for the Fabric8 client:
 * GET of the object, and PATCH of its {@code status} subresource with
 * {@code application/merge-patch+json} — RFC 7386 merge into {@code status} only (what the status
 * subresource does), with the {@code metadata.resourceVersion} precondition (409 on mismatch) and a
 * new resourceVersion per write. Every request is recorded. The Fabric8 mock server cannot run in
 * the node's test classpath (it needs Vert.x 4; the node runs Vert.x 5).
 */
final class FakeKubernetesApi implements AutoCloseable {
    static final String OBJECT_PATH = "/apis/raftkv.io/v1alpha1/namespaces/prod/raftkvclusters/orders";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received. */
    record Request(String method, String path, String contentType, String body) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile ObjectNode object;
    private long resourceVersion = 100;
    /** When true, the next PATCH finds that someone else wrote first (bumps the version): a 409. */
    volatile boolean concurrentWriteBeforeNextPatch;

    FakeKubernetesApi(String objectJson) throws IOException {
        this.object = (ObjectNode) JSON.readTree(objectJson);
        ((ObjectNode) object.get("metadata")).put("resourceVersion", Long.toString(resourceVersion));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    ObjectNode object() {
        return object.deepCopy();
    }

    List<Request> patches() {
        return requests.stream().filter(r -> r.method().equals("PATCH")).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = ex.getRequestURI().getPath();
        requests.add(
                new Request(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Content-Type"), body));
        if (ex.getRequestMethod().equals("GET") && path.equals(OBJECT_PATH)) {
            respond(ex, 200, object.toString());
        } else if (ex.getRequestMethod().equals("PATCH") && path.equals(OBJECT_PATH + "/status")) {
            patchStatus(ex, body);
        } else {
            respond(ex, 404, status(404, "NotFound", path + " not found"));
        }
    }

    private void patchStatus(HttpExchange ex, String body) throws IOException {
        if (!"application/merge-patch+json".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
            respond(ex, 415, status(415, "UnsupportedMediaType", "expected a JSON merge patch"));
            return;
        }
        if (concurrentWriteBeforeNextPatch) {
            concurrentWriteBeforeNextPatch = false;
            bumpVersion();
        }
        JsonNode patch = JSON.readTree(body);
        JsonNode precondition = patch.path("metadata").path("resourceVersion");
        if (!precondition.isMissingNode()
                && !precondition
                        .asText()
                        .equals(object.get("metadata").get("resourceVersion").asText())) {
            respond(ex, 409, status(409, "Conflict", "the object has been modified"));
            return;
        }
        ObjectNode updated = object.deepCopy();
        JsonNode statusPatch = patch.get("status");
        if (statusPatch != null) {
            updated.set("status", merge(updated.get("status"), statusPatch));
        }
        object = updated;
        bumpVersion();
        respond(ex, 200, object.toString());
    }

    private void bumpVersion() {
        ObjectNode copy = object.deepCopy();
        ((ObjectNode) copy.get("metadata")).put("resourceVersion", Long.toString(++resourceVersion));
        object = copy;
    }

    /** RFC 7386. */
    static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode result =
                target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JSON.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                result.set(e.getKey(), merge(result.get(e.getKey()), e.getValue()));
            }
        }
        return result;
    }

    private static String status(int code, String reason, String message) {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":" + code + ",\"reason\":\""
                + reason + "\",\"message\":\"" + message + "\"}";
    }

    private static void respond(HttpExchange ex, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
