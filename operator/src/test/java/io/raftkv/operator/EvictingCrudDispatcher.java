package io.raftkv.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Fabric8 CRUD mock server with the Eviction API the way the API server implements it: a
 * POST to {@code pods/<name>/eviction} deletes the pod when the PodDisruptionBudgets that
 * select it allow one more disruption, and answers 429 otherwise (the plain CRUD dispatcher
 * would store an "Eviction" object and delete nothing).
 *
 * <p>Budget arithmetic, as the disruption controller does it for {@code maxUnavailable}:
 * allowed = healthy − (expected − maxUnavailable), with expected = the pods the budget selects
 * (the mock has no controllers to ask for their scale) and healthy = those that are Ready. A pod
 * that is not Ready may always be evicted when the budget says
 * {@code unhealthyPodEvictionPolicy: AlwaysAllow}.
 *
 * <p>The one copy: e2e's tests use it through this module's test jar ({@code MockApiServer}'s
 * dispatcher extends it).
 */
public class EvictingCrudDispatcher extends KubernetesCrudDispatcher {

    private static final Pattern EVICTION =
            Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)/eviction(\\?.*)?$");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
        Matcher m = EVICTION.matcher(request.getPath());
        if (!m.matches()) {
            return super.handleCreate(request);
        }
        String namespace = m.group(1);
        String name = m.group(2);
        String podPath = "/api/v1/namespaces/" + namespace + "/pods/" + name;
        JsonNode pod = read(handleGet(podPath));
        if (pod == null) {
            return status(404, "NotFound", "pods \"" + name + "\" not found");
        }
        JsonNode budgets = read(handleGet("/apis/policy/v1/namespaces/" + namespace + "/poddisruptionbudgets"));
        JsonNode pods = read(handleGet("/api/v1/namespaces/" + namespace + "/pods"));
        if (budgets != null && pods != null) {
            for (JsonNode budget : budgets.path("items")) {
                if (!selects(budget, pod)) {
                    continue;
                }
                if (!ready(pod)
                        && "AlwaysAllow"
                                .equals(budget.path("spec")
                                        .path("unhealthyPodEvictionPolicy")
                                        .asText())) {
                    continue;
                }
                int expected = 0;
                int healthy = 0;
                for (JsonNode other : pods.path("items")) {
                    if (selects(budget, other)
                            && other.path("metadata").path("deletionTimestamp").isMissingNode()) {
                        expected++;
                        healthy += ready(other) ? 1 : 0;
                    }
                }
                int maxUnavailable = budget.path("spec").path("maxUnavailable").asInt(0);
                if (healthy - (expected - maxUnavailable) < (ready(pod) ? 1 : 0)) {
                    return status(
                            429,
                            "TooManyRequests",
                            "Cannot evict pod as it would violate the" + " pod's disruption budget.");
                }
            }
        }
        MockResponse deleted = handleDelete(podPath);
        if (deleted.code() >= 300) {
            return deleted;
        }
        return status(201, null, null);
    }

    private static boolean selects(JsonNode budget, JsonNode pod) {
        JsonNode matchLabels = budget.path("spec").path("selector").path("matchLabels");
        JsonNode labels = pod.path("metadata").path("labels");
        Iterator<Map.Entry<String, JsonNode>> it = matchLabels.fields();
        boolean any = false;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            any = true;
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return any;
    }

    private static boolean ready(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText())
                    && "True".equals(c.path("status").asText())) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode read(MockResponse response) {
        if (response.code() != 200 || response.getBody() == null) {
            return null;
        }
        try {
            return JSON.readTree(response.getBody().readUtf8());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static MockResponse status(int code, String reason, String message) {
        String body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\""
                + (code < 300 ? "Success" : "Failure") + "\",\"code\":" + code
                + (reason != null ? ",\"reason\":\"" + reason + "\"" : "")
                + (message != null ? ",\"message\":\"" + message.replace("\"", "\\\"") + "\"" : "")
                + "}";
        return new MockResponse().setResponseCode(code).setBody(body);
    }
}
