package io.raftkv.operator.security;

import io.raftkv.operator.api.v1alpha1.AuthSpec;
import io.raftkv.operator.api.v1alpha1.AuthUserSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Builds the role bindings and token files of a cluster from {@code spec.auth.users}, the
 * admin credential Secret's token and the users' token Secrets.
 *
 * <p>Always bound: {@value SecurityObjects#OPERATOR_USER} (the operator's certificate) and
 * {@value SecurityObjects#ADMIN_USER} (the admin credential Secret's certificate and token) to
 * admin. A token Secret that does not exist, or lacks the key, is reported and that user gets
 * no token (its certificate, if it has one, still works); nothing else is held back.
 */
public final class AuthPlanner {

    /** Reads one key of a Secret in the cluster's namespace (empty: no such Secret or key). */
    @FunctionalInterface
    public interface SecretLookup {
        Optional<String> value(String secret, String key);
    }

    private AuthPlanner() {}

    public static AuthPlan plan(RaftKvCluster cluster, String adminToken, SecretLookup secrets) {
        StringBuilder roles = new StringBuilder("# written by raftkv-operator from spec.auth\n");
        StringBuilder tokens = new StringBuilder("# written by raftkv-operator from spec.auth\n");
        roles.append(SecurityObjects.OPERATOR_USER).append(" admin\n");
        roles.append(SecurityObjects.ADMIN_USER).append(" admin\n");
        if (adminToken != null && !adminToken.isBlank()) {
            tokens.append(adminToken.strip())
                    .append(',')
                    .append(SecurityObjects.ADMIN_USER)
                    .append('\n');
        }
        List<String> problems = new ArrayList<>();
        AuthSpec auth = cluster.getSpec().getAuth();
        List<AuthUserSpec> users = auth != null && auth.getUsers() != null ? auth.getUsers() : List.of();
        for (AuthUserSpec user : users) {
            roles.append(user.getName()).append(' ').append(user.getRole().name());
            if (user.getPrefix() != null && !user.getPrefix().isEmpty()) {
                roles.append(' ').append(user.getPrefix());
            }
            roles.append('\n');
            AuthUserSpec.TokenSecretRef ref = user.getTokenSecret();
            if (ref == null) {
                continue;
            }
            String key = ref.getKey() != null ? ref.getKey() : SecurityObjects.TOKEN;
            Optional<String> token =
                    secrets.value(ref.getName(), key).map(String::strip).filter(t -> !t.isEmpty());
            if (token.isEmpty()) {
                problems.add("user '" + user.getName() + "': the Secret " + ref.getName()
                        + " has no key '" + key + "' (or does not exist); that user has no token until"
                        + " it does");
            } else if (token.get().contains(",") || token.get().chars().anyMatch(Character::isWhitespace)) {
                problems.add("user '" + user.getName() + "': the token in Secret " + ref.getName()
                        + " contains a comma or whitespace; that user has no token until it is fixed");
            } else {
                tokens.append(token.get()).append(',').append(user.getName()).append('\n');
            }
        }
        Map<String, String> files = new TreeMap<>();
        files.put(SecurityObjects.ROLES_FILE, roles.toString());
        files.put(SecurityObjects.TOKENS_FILE, tokens.toString());
        return new AuthPlan(files, List.copyOf(problems));
    }
}
