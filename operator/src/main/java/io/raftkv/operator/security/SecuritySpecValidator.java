package io.raftkv.operator.security;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.raftkv.operator.api.v1alpha1.AuthSpec;
import io.raftkv.operator.api.v1alpha1.AuthUserSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterSpec;
import io.raftkv.operator.api.v1alpha1.TlsSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The checks of {@code spec.tls} and {@code spec.auth} the schema cannot make. */
public final class SecuritySpecValidator {

    /** Same as the CRD's pattern of a user name. */
    private static final Pattern USER = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$");

    static final int MAX_USERS = 64;

    private SecuritySpecValidator() {}

    /**
     * The issuer cannot change on an existing cluster: adding, removing or changing
     * {@code spec.tls.issuerRef} would replace every certificate and the CA at once, and pods see
     * the new Secret at different moments (members would refuse each other). {@code caSecret} is
     * the live {@code <cluster>-ca} (empty when it does not exist: a new cluster, or TLS off).
     */
    public static void checkIssuer(
            RaftKvCluster cluster,
            Optional<StatefulSet> existing,
            Map<String, String> caSecret,
            List<String> problems) {
        if (existing.isEmpty() || caSecret.isEmpty()) {
            return;
        }
        TlsSpec tls = spec(cluster);
        String wanted = tls.getIssuerRef() == null ? null : String.valueOf(tls.getIssuerRef());
        String running = caSecret.get(CertManagerPlanner.ISSUER);
        if (running == null && !caSecret.containsKey(SecurityObjects.CA_KEY)) {
            return; // neither kind of CA Secret: nothing to compare with
        }
        if (java.util.Objects.equals(wanted, running)) {
            return;
        }
        String from = running == null ? "the operator's own CA" : "the cert-manager issuer " + running;
        String to = wanted == null ? "the operator's own CA" : "the cert-manager issuer " + wanted;
        problems.add("spec.tls.issuerRef asks for " + to + " but the cluster's certificates come from " + from
                + ": the issuer cannot change on an existing cluster (every certificate and the CA would"
                + " change at once and members would refuse each other). Set it back, or move the data to"
                + " a new cluster (docs/security.md, \"cert-manager\")");
    }

    private static TlsSpec spec(RaftKvCluster cluster) {
        return SecurityObjects.tls(cluster);
    }

    /** Adds a sentence per problem to {@code problems}. */
    public static void check(RaftKvCluster cluster, Optional<StatefulSet> existing, List<String> problems) {
        RaftKvClusterSpec spec = cluster.getSpec();
        TlsSpec tls = spec.getTls();
        if (tls != null) {
            Integer days = tls.getCertificateDays();
            Integer before = tls.getRenewBeforeDays();
            if (days == null || days < 1 || days > 825) {
                problems.add("spec.tls.certificateDays is " + days + " but must be from 1 to 825");
            } else if (before == null || before < 1 || before >= days) {
                problems.add("spec.tls.renewBeforeDays is " + before + " but must be at least 1 and"
                        + " smaller than certificateDays (" + days + ")");
            }
            if (tls.getIssuerRef() != null
                    && (tls.getIssuerRef().getName() == null
                            || tls.getIssuerRef().getName().isBlank())) {
                problems.add(
                        "spec.tls.issuerRef.name is missing (the name of a cert-manager Issuer or" + " ClusterIssuer)");
            }
            if (tls.getEnabled() != null
                    && existing.isPresent()
                    && tls.getEnabled() != SecurityObjects.runsTls(existing.get())) {
                problems.add("spec.tls.enabled is " + tls.getEnabled() + " but the cluster runs with"
                        + " TLS " + (tls.getEnabled() ? "off" : "on") + ": it cannot change on an existing"
                        + " cluster (members with and without TLS cannot talk to each other). Set it back,"
                        + " or move the data to a new cluster (docs/security.md, \"Turning TLS on\")");
            }
        }
        boolean tlsOn = SecurityObjects.tlsEnabled(cluster, existing);
        AuthSpec auth = spec.getAuth();
        if (auth == null) {
            return;
        }
        if (Boolean.TRUE.equals(auth.getEnabled()) && !tlsOn) {
            problems.add("spec.auth.enabled is true but TLS is off: clients can only authenticate" + " over TLS");
        }
        List<AuthUserSpec> users = auth.getUsers() != null ? auth.getUsers() : List.of();
        if (users.size() > MAX_USERS) {
            problems.add("spec.auth.users has " + users.size() + " entries; at most " + MAX_USERS);
        }
        Set<String> seen = new HashSet<>();
        for (int k = 0; k < users.size(); k++) {
            AuthUserSpec u = users.get(k);
            String field = "spec.auth.users[" + k + "]";
            if (u.getName() == null || !USER.matcher(u.getName()).matches()) {
                problems.add(field + ".name '" + u.getName() + "' must be 1-128 letters, digits or"
                        + " . _ @ -, starting with a letter or digit");
            } else if (!seen.add(u.getName())) {
                problems.add(field + ".name '" + u.getName() + "' appears twice");
            } else if (u.getName().equals(SecurityObjects.OPERATOR_USER)) {
                problems.add(field + ".name '" + u.getName() + "' is reserved for the operator");
            }
            if (u.getRole() == null) {
                problems.add(field + ".role is missing (read, write or admin)");
            }
            if (u.getPrefix() != null
                    && (u.getPrefix().isEmpty() || u.getPrefix().chars().anyMatch(Character::isWhitespace))) {
                problems.add(field + ".prefix must be non-empty and without whitespace");
            }
            if (u.getTokenSecret() != null
                    && (u.getTokenSecret().getName() == null
                            || u.getTokenSecret().getName().isBlank())) {
                problems.add(field + ".tokenSecret.name is missing");
            }
        }
    }
}
