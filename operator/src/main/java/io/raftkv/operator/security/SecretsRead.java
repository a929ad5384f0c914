package io.raftkv.operator.security;

import java.util.Map;
import java.util.Optional;

/**
 * The Secrets a reconciliation's {@link TlsPlan} was made from, as the API server returned them
 * when {@link ClusterSecurity#plan} read them: name → resourceVersion, or empty when the Secret
 * did not exist.
 *
 * <p>The Secret dependents write only on top of what the plan saw ({@link PlannedSecretDependent}):
 * a plan made from a Secret that is deleted or changed before its dependent runs is stale, and
 * writing it would bring back, for instance, a damaged CA the user just deleted.
 *
 * @param versions Secret name → its resourceVersion when read (empty: it did not exist)
 */
public record SecretsRead(Map<String, Optional<String>> versions) {

    /** Key under which the reconciler hands this to the Secret dependents. */
    public static final String CONTEXT_KEY = "raftkv.io/tls-secrets-read";

    public SecretsRead {
        versions = Map.copyOf(versions);
    }

    /** What the plan saw of {@code name}: absent when it did not read it at all. */
    public Optional<Optional<String>> of(String name) {
        return Optional.ofNullable(versions.get(name));
    }
}
