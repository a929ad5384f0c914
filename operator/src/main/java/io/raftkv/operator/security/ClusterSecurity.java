package io.raftkv.operator.security;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.dependent.managed.ManagedWorkflowAndDependentResourceContext;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import io.raftkv.operator.api.v1alpha1.TlsStatus;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.events.EventRecorder;
import io.raftkv.operator.membership.AdminCredentials;
import io.raftkv.operator.membership.ClientTls;
import io.raftkv.operator.membership.NodeEndpoints;
import io.raftkv.operator.status.ClusterStatusCalculator;
import io.raftkv.operator.status.ConditionTypes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The security steps of one reconciliation, in the reconciler's order:
 *
 * <ol>
 *   <li>{@link #prepare}, before any node is called: decides whether TLS and auth are on and
 *       registers the operator's client certificate (from the CA Secret) for the cluster's
 *       dial targets, so that membership calls go over TLS as admin;</li>
 *   <li>{@link #plan}, before the workflow: reads the Secrets (straight from the API server,
 *       never a possibly stale cache: a CA must never be replaced because a cache lagged),
 *       decides the certificates ({@link TlsPlanner}) and auth files ({@link AuthPlanner}) and
 *       hands them to the dependents through the workflow context, with the resourceVersions
 *       the plan was made from ({@link SecretsRead}: a Secret changed or deleted since is not
 *       overwritten or brought back from a stale plan);</li>
 *   <li>{@link #report}, after the status is computed: {@code status.tls}, the
 *       {@code SecurityReady} condition and events.</li>
 * </ol>
 */
public final class ClusterSecurity {

    /** Whether TLS and auth are on for this reconciliation. */
    public record Decision(boolean tls, boolean auth) {}

    /** What {@link #plan} decided; {@code tls} and {@code auth} are empty when off. */
    public record Plans(Decision decision, Optional<TlsPlan> tls, Optional<AuthPlan> auth) {}

    private final TlsPlanner planner;
    private final AdminCredentials credentials;
    private final NodeEndpoints endpoints;

    public ClusterSecurity(TlsPlanner planner, AdminCredentials credentials, NodeEndpoints endpoints) {
        this.planner = planner;
        this.credentials = credentials;
        this.endpoints = endpoints;
    }

    /** Step 1: the decision, and the operator's credentials for the cluster's nodes. */
    public Decision prepare(RaftKvCluster cluster, Optional<StatefulSet> before, KubernetesClient client) {
        boolean tls = SecurityObjects.tlsEnabled(cluster, before);
        boolean auth = tls && SecurityObjects.authEnabled(cluster, tls);
        register(cluster, tls ? read(client, cluster, SecurityObjects.caSecretName(cluster)) : Map.of());
        return new Decision(tls, auth);
    }

    /** Step 2: plans for {@code members} member certificates, put into the workflow context. */
    public Plans plan(
            Decision decision,
            RaftKvCluster cluster,
            int members,
            KubernetesClient client,
            Instant now,
            ManagedWorkflowAndDependentResourceContext context) {
        Optional<TlsPlan> tls = Optional.empty();
        Optional<AuthPlan> auth = Optional.empty();
        if (decision.tls()) {
            Map<String, Optional<String>> seen = new TreeMap<>();
            TlsPlan plan = SecurityObjects.tls(cluster).getIssuerRef() != null
                    ? certManagerPlan(cluster, members, client, now, seen)
                    : planner.plan(
                            cluster,
                            members,
                            read(client, cluster, SecurityObjects.caSecretName(cluster), seen),
                            read(client, cluster, SecurityObjects.memberSecretName(cluster), seen),
                            read(client, cluster, SecurityObjects.adminSecretName(cluster), seen),
                            now);
            context.put(SecretsRead.CONTEXT_KEY, new SecretsRead(seen));
            context.put(TlsPlan.CONTEXT_KEY, plan);
            register(cluster, plan.caSecret());
            tls = Optional.of(plan);
        }
        if (decision.auth()) {
            String adminToken =
                    tls.map(p -> p.adminSecret().get(SecurityObjects.TOKEN)).orElse(null);
            String ns = cluster.getMetadata().getNamespace();
            AuthPlan plan = AuthPlanner.plan(
                    cluster,
                    adminToken,
                    (secret, key) -> Optional.ofNullable(client.secrets()
                                    .inNamespace(ns)
                                    .withName(secret)
                                    .get())
                            .map(s -> SecretData.text(Optional.of(s)).get(key)));
            context.put(AuthPlan.CONTEXT_KEY, plan);
            auth = Optional.of(plan);
        }
        return new Plans(decision, tls, auth);
    }

    /**
     * Step 3: {@code status.tls} and {@code SecurityReady} on {@code next}; events for issued
     * certificates and for problems. Returns when the cluster should be looked at again for the
     * certificates' sake (a rotation phase or a renewal), if ever.
     */
    public Optional<Instant> report(
            Plans plans, RaftKvCluster cluster, RaftKvClusterStatus next, EventRecorder recorder, Instant now) {
        RaftKvClusterStatus previous = cluster.getStatus();
        List<String> problems = new ArrayList<>();
        TlsStatus tlsStatus = null;
        Optional<Instant> recheck = Optional.empty();
        String summary;
        if (plans.tls().isPresent()) {
            TlsPlan plan = plans.tls().get();
            plan.problem().ifPresent(problems::add);
            tlsStatus = new TlsStatus();
            if (plan.problem().isEmpty()) {
                tlsStatus.setCaNotAfter(plan.caNotAfter().toString());
            }
            tlsStatus.setCertificatesNotAfter(plan.soonestNotAfter().toString());
            tlsStatus.setMemberCertificates(plan.members());
            recheck = Optional.of(plan.recheckAt());
            if (!plan.changes().isEmpty()) {
                recorder.record(
                        cluster,
                        "Normal",
                        "CertificatesIssued",
                        truncate("Secrets " + SecurityObjects.caSecretName(cluster) + ", "
                                + SecurityObjects.memberSecretName(cluster) + ", "
                                + SecurityObjects.adminSecretName(cluster) + ": "
                                + String.join("; ", plan.changes())));
            }
            summary = "TLS on: " + plan.members() + " member certificates; the soonest certificate"
                    + " expires " + plan.soonestNotAfter() + " and is renewed "
                    + SecurityObjects.tls(cluster).getRenewBeforeDays() + " days before.";
        } else {
            summary = "TLS is off: both node ports speak plaintext.";
        }
        if (plans.auth().isPresent()) {
            problems.addAll(plans.auth().get().problems());
            summary += " Auth on: clients authenticate with the Secret " + SecurityObjects.adminSecretName(cluster)
                    + " or their own credentials.";
        }
        boolean ready = problems.isEmpty();
        boolean certManager = SecurityObjects.tls(cluster).getIssuerRef() != null;
        String reason = ready
                ? (plans.tls().isPresent() ? "CertificatesValid" : "Disabled")
                : plans.tls().flatMap(TlsPlan::problem).isPresent()
                        ? (certManager ? "CertificatesPending" : "CertificateRenewalFailed")
                        : "TokenSecretMissing";
        String message = ready ? summary : String.join("; ", problems);
        boolean wasFalse = ClusterStatusCalculator.find(previous, ConditionTypes.SECURITY_READY)
                .filter(c -> "False".equals(c.getStatus()) && message.equals(c.getMessage()))
                .isPresent();
        if (!ready && !wasFalse) {
            recorder.record(cluster, "Warning", reason, truncate(message));
        }
        ClusterStatusCalculator.withSecurity(next, previous, tlsStatus, ready, reason, message, now);
        return recheck;
    }

    /**
     * The plan from the Secrets cert-manager wrote ({@link CertManagerPlanner}); when cert-manager
     * is not installed, a plan that keeps the live Secrets and says so.
     */
    private static TlsPlan certManagerPlan(
            RaftKvCluster cluster,
            int members,
            KubernetesClient client,
            Instant now,
            Map<String, Optional<String>> seen) {
        TlsPlan plan = CertManagerPlanner.plan(
                cluster,
                members,
                name -> read(client, cluster, name),
                read(client, cluster, SecurityObjects.memberSecretName(cluster), seen),
                read(client, cluster, SecurityObjects.adminSecretName(cluster), seen),
                now);
        if (CertificatesDependent.CertManagerInstalled.installed(client)) {
            return plan;
        }
        return new TlsPlan(
                plan.caSecret(),
                plan.memberSecret(),
                plan.adminSecret(),
                Optional.of("spec.tls.issuerRef names a cert-manager issuer but cert-manager is not installed"
                        + " (no CustomResourceDefinition " + CertManagerCertificates.CRD_NAME + "): install"
                        + " cert-manager, or remove spec.tls.issuerRef before the cluster is created"),
                plan.caNotAfter(),
                plan.soonestNotAfter(),
                plan.members(),
                plan.changes(),
                now.plus(Duration.ofMinutes(1)));
    }

    /** The CA Secret's contents ({@code <cluster>-ca}), empty when it does not exist. */
    public static Map<String, String> caSecret(KubernetesClient client, RaftKvCluster cluster) {
        return read(client, cluster, SecurityObjects.caSecretName(cluster));
    }

    private void register(RaftKvCluster cluster, Map<String, String> ca) {
        String cert = ca.get(SecurityObjects.OPERATOR_CERT);
        String key = ca.get(SecurityObjects.OPERATOR_KEY);
        String trust = ca.get(SecurityObjects.CA_CERT);
        if (cert == null || key == null || trust == null) {
            credentials.register(cluster, endpoints, Optional.empty());
            return;
        }
        String bundle = trust + ca.getOrDefault(SecurityObjects.PREVIOUS_CA_CERT, "");
        credentials.register(
                cluster,
                endpoints,
                Optional.of(ordinal -> new ClientTls(bundle, cert, key, ClusterObjects.podHost(cluster, ordinal))));
    }

    private static Map<String, String> read(KubernetesClient client, RaftKvCluster cluster, String name) {
        return SecretData.text(get(client, cluster, name));
    }

    /** As {@link #read}, noting in {@code seen} the resourceVersion read (empty: no such Secret). */
    private static Map<String, String> read(
            KubernetesClient client, RaftKvCluster cluster, String name, Map<String, Optional<String>> seen) {
        Optional<Secret> secret = get(client, cluster, name);
        seen.put(name, secret.map(s -> s.getMetadata().getResourceVersion()));
        return SecretData.text(secret);
    }

    private static Optional<Secret> get(KubernetesClient client, RaftKvCluster cluster, String name) {
        return Optional.ofNullable(client.secrets()
                .inNamespace(cluster.getMetadata().getNamespace())
                .withName(name)
                .get());
    }

    private static String truncate(String message) {
        return message.length() <= 1000 ? message : message.substring(0, 997) + "...";
    }

    /** How long from {@code now} until {@code at}, at least one second. */
    public static Duration until(Instant now, Instant at) {
        Duration d = Duration.between(now, at);
        return d.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : d;
    }
}
