package io.raftkv.operator.status;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a failed reconciliation tells the user: a condition reason, a message that names the
 * object and quotes the API server, and whether it is worth a Degraded condition at all.
 *
 * <p>Reasons: {@code NameConflict} (409 AlreadyExists: an object of that name exists and is not
 * this cluster's, e.g. the Service {@code x-peers} of a cluster named {@code x-peers} beside a
 * cluster {@code x}), {@code ObjectRejected} (422 Invalid: the API server refused what the spec
 * produced, e.g. a bad label key or a toleration operator), {@code Forbidden} (403: the
 * operator's RBAC), {@code ApiServerError} (any other API response or no response) and
 * {@code ReconcileError} (a bug or an unexpected state in the operator). A 409 Conflict (a stale
 * resourceVersion) is transient: it is retried without marking the cluster Degraded.
 */
public record ReconcileFailure(String reason, String message, boolean transientConflict) {

    public static final String NAME_CONFLICT = "NameConflict";
    public static final String OBJECT_REJECTED = "ObjectRejected";
    public static final String FORBIDDEN = "Forbidden";
    public static final String API_SERVER_ERROR = "ApiServerError";
    public static final String RECONCILE_ERROR = "ReconcileError";

    /** Classifies {@code e}, the exception that ended a reconciliation. */
    public static ReconcileFailure of(Exception e) {
        Map<String, Exception> causes = new TreeMap<>();
        AggregatedOperatorException aggregated = aggregated(e);
        if (aggregated != null && !aggregated.getAggregatedExceptions().isEmpty()) {
            causes.putAll(aggregated.getAggregatedExceptions());
        } else {
            causes.put("", e);
        }
        String reason = null;
        boolean allConflicts = true;
        List<String> parts = new ArrayList<>();
        for (var entry : causes.entrySet()) {
            KubernetesClientException api = apiException(entry.getValue());
            String partReason = api != null ? reasonOf(api) : RECONCILE_ERROR;
            allConflicts &= api != null && isStaleWrite(api);
            if (reason == null || rank(partReason) > rank(reason)) {
                reason = partReason;
            }
            String prefix = entry.getKey().isEmpty() ? "" : entry.getKey() + ": ";
            parts.add(prefix + (api != null ? describe(api) : describe(entry.getValue())));
        }
        return new ReconcileFailure(reason, String.join("; ", parts) + ". Retrying with backoff.", allConflicts);
    }

    /** The workflow's per-dependent failures, however deep JOSDK wrapped them. */
    private static AggregatedOperatorException aggregated(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AggregatedOperatorException a) {
                return a;
            }
        }
        return null;
    }

    private static KubernetesClientException apiException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KubernetesClientException k) {
                return k;
            }
        }
        return null;
    }

    private static boolean isStaleWrite(KubernetesClientException e) {
        return e.getCode() == 409 && !alreadyExists(e);
    }

    /**
     * A 409 on create. The API server says so with reason AlreadyExists; the Fabric8 mock server
     * answers reason Invalid with "... already exists", so the message counts too.
     */
    private static boolean alreadyExists(KubernetesClientException e) {
        Status status = e.getStatus();
        return "AlreadyExists".equals(statusReason(e))
                || status != null
                        && status.getMessage() != null
                        && status.getMessage().contains("already exists");
    }

    private static String reasonOf(KubernetesClientException e) {
        return switch (e.getCode()) {
            case 409 -> alreadyExists(e) ? NAME_CONFLICT : API_SERVER_ERROR;
            case 422, 400 -> OBJECT_REJECTED;
            case 403 -> FORBIDDEN;
            default -> API_SERVER_ERROR;
        };
    }

    /** Most specific first: a name conflict explains more than a generic error beside it. */
    private static int rank(String reason) {
        return switch (reason) {
            case NAME_CONFLICT -> 5;
            case OBJECT_REJECTED -> 4;
            case FORBIDDEN -> 3;
            case API_SERVER_ERROR -> 2;
            default -> 1;
        };
    }

    private static String statusReason(KubernetesClientException e) {
        Status status = e.getStatus();
        return status == null ? null : status.getReason();
    }

    private static String describe(KubernetesClientException e) {
        Status status = e.getStatus();
        String text = status != null
                        && status.getMessage() != null
                        && !status.getMessage().isBlank()
                ? status.getMessage()
                : firstLine(e.getMessage());
        String code = e.getCode() > 0 ? " (HTTP " + e.getCode() + ")" : "";
        return "the API server refused: " + text + code;
    }

    private static String describe(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + firstLine(e.getMessage()) : "");
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        String line = newline < 0 ? text : text.substring(0, newline);
        return line.length() > 400 ? line.substring(0, 400) + "..." : line;
    }
}
