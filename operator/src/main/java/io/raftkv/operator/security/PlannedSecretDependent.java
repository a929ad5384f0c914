package io.raftkv.operator.security;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.OwnedDependent;
import java.util.Optional;

/**
 * A certificate Secret written from the reconciliation's {@link TlsPlan}, only on top of the
 * version the plan was made from ({@link SecretsRead}):
 *
 * <ul>
 *   <li>an update carries the resourceVersion the plan read, so a Secret changed since then
 *       (by a user, by cert-manager) makes the API server answer 409 Conflict instead of being
 *       overwritten with a plan made from its old contents;</li>
 *   <li>a Secret the plan read but that is gone by the time its dependent runs (deleted in
 *       between: the informer's cache already lost it) is not created again from the plan —
 *       that would bring back the contents that were just deleted, e.g. a damaged CA the user
 *       deleted to have a new one issued;</li>
 *   <li>a Secret the plan saw absent but that exists now was created by someone else in between.</li>
 * </ul>
 *
 * <p>The last two end the reconciliation with the same 409 Conflict, which the reconciler treats
 * as transient (no Degraded condition): the change that made the plan stale is itself an event,
 * so JOSDK reconciles again at once and plans from what is there now.
 */
public abstract class PlannedSecretDependent extends OwnedDependent<Secret> {

    protected PlannedSecretDependent() {
        super(Secret.class);
    }

    @Override
    public Secret create(Secret desired, RaftKvCluster primary, Context<RaftKvCluster> context) {
        Optional<String> read = readVersion(desired, context).orElse(Optional.empty());
        if (read.isPresent()) {
            throw stale(desired, "was deleted after this reconciliation read it (resourceVersion " + read.get() + ")");
        }
        return super.create(desired, primary, context);
    }

    @Override
    public Secret update(Secret actual, Secret desired, RaftKvCluster primary, Context<RaftKvCluster> context) {
        Optional<Optional<String>> read = readVersion(desired, context);
        if (read.isEmpty()) {
            return super.update(actual, desired, primary, context);
        }
        if (read.get().isEmpty()) {
            throw stale(desired, "was created after this reconciliation found none");
        }
        Secret pinned = context.getClient().getKubernetesSerialization().clone(actual);
        pinned.getMetadata().setResourceVersion(read.get().get());
        return super.update(pinned, desired, primary, context);
    }

    private static Optional<Optional<String>> readVersion(Secret desired, Context<RaftKvCluster> context) {
        return context.managedWorkflowAndDependentResourceContext()
                .get(SecretsRead.CONTEXT_KEY, SecretsRead.class)
                .flatMap(r -> r.of(desired.getMetadata().getName()));
    }

    /** A 409 Conflict, as the API server answers a write on top of a stale resourceVersion. */
    static KubernetesClientException stale(Secret desired, String what) {
        String message = "Secret " + desired.getMetadata().getName() + " " + what + ": planning again";
        Status status = new StatusBuilder()
                .withCode(409)
                .withReason("Conflict")
                .withMessage(message)
                .build();
        return new KubernetesClientException(status);
    }
}
