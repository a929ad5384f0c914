package io.raftkv.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import io.javaoperatorsdk.operator.OperatorException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a failed reconciliation is classified and worded for the Degraded condition. */
class ReconcileFailureTest {

    private static KubernetesClientException api(int code, String reason, String message) {
        return new KubernetesClientException(new StatusBuilder()
                .withCode(code)
                .withReason(reason)
                .withMessage(message)
                .build());
    }

    private static Exception workflow(String dependent, Exception cause) {
        Map<String, Exception> causes = new LinkedHashMap<>();
        causes.put(dependent, cause);
        return new OperatorException(new AggregatedOperatorException("workflow failed", causes));
    }

    @Test
    void invalidObjectIsObjectRejectedWithTheApiServersWords() {
        ReconcileFailure failure = ReconcileFailure.of(workflow(
                "statefulset",
                api(
                        422,
                        "Invalid",
                        "StatefulSet.apps \"x\" is invalid: spec.template.spec.tolerations[0].operator:"
                                + " Unsupported value: \"Sometimes\"")));
        assertThat(failure.reason()).isEqualTo(ReconcileFailure.OBJECT_REJECTED);
        assertThat(failure.message())
                .startsWith("statefulset: the API server refused:")
                .contains("tolerations[0].operator")
                .contains("HTTP 422")
                .endsWith("Retrying with backoff.");
        assertThat(failure.transientConflict()).isFalse();
    }

    @Test
    void nameTakenIsNameConflictAndStaleWriteIsTransient() {
        assertThat(ReconcileFailure.of(workflow(
                                "peer-service", api(409, "AlreadyExists", "services \"x-peers\" already exists")))
                        .reason())
                .isEqualTo("NameConflict");
        ReconcileFailure stale = ReconcileFailure.of(workflow(
                "statefulset",
                api(409, "Conflict", "the object has been modified; please apply your changes to the latest version")));
        assertThat(stale.transientConflict()).isTrue();
    }

    @Test
    void forbiddenAndUnexpectedFailuresAreNamed() {
        assertThat(ReconcileFailure.of(api(403, "Forbidden", "pods \"x-0\" is forbidden"))
                        .reason())
                .isEqualTo(ReconcileFailure.FORBIDDEN);
        ReconcileFailure bug = ReconcileFailure.of(new IllegalStateException("no voter"));
        assertThat(bug.reason()).isEqualTo(ReconcileFailure.RECONCILE_ERROR);
        assertThat(bug.message()).isEqualTo("IllegalStateException: no voter. Retrying with backoff.");
    }
}
