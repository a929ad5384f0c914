package io.raftkv.operator;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.CRDPresentActivationCondition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.raftkv.operator.api.v1alpha1.RaftKvBackup;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import io.raftkv.operator.dependents.ClientServiceDependent;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.dependents.NodePodMonitorDependent;
import io.raftkv.operator.dependents.NodeRoleBindingDependent;
import io.raftkv.operator.dependents.NodeRoleDependent;
import io.raftkv.operator.dependents.NodeServiceAccountDependent;
import io.raftkv.operator.dependents.PeerServiceDependent;
import io.raftkv.operator.dependents.PodDisruptionBudgetDependent;
import io.raftkv.operator.dependents.StatefulSetDependent;
import io.raftkv.operator.dependents.WorkloadPlan;
import io.raftkv.operator.events.EventRecorder;
import io.raftkv.operator.membership.MembershipOrchestrator;
import io.raftkv.operator.membership.MembershipOrchestrator.Orchestration;
import io.raftkv.operator.membership.MembershipProgress;
import io.raftkv.operator.metrics.ClusterMetrics;
import io.raftkv.operator.recovery.QuorumRecovery;
import io.raftkv.operator.recovery.QuorumRecoveryActions;
import io.raftkv.operator.recovery.RestoreFailure;
import io.raftkv.operator.recovery.RestorePlanner;
import io.raftkv.operator.recovery.RestoreReport;
import io.raftkv.operator.security.AdminSecretDependent;
import io.raftkv.operator.security.AuthOn;
import io.raftkv.operator.security.AuthSecretDependent;
import io.raftkv.operator.security.CaSecretDependent;
import io.raftkv.operator.security.CertificatesDependent;
import io.raftkv.operator.security.ClusterSecurity;
import io.raftkv.operator.security.MemberTlsSecretDependent;
import io.raftkv.operator.security.NetworkPolicyDependent;
import io.raftkv.operator.security.SecuritySpecValidator;
import io.raftkv.operator.security.TlsOn;
import io.raftkv.operator.status.ClusterEvents;
import io.raftkv.operator.status.ClusterStatusCalculator;
import io.raftkv.operator.status.ConditionTypes;
import io.raftkv.operator.status.ReconcileFailure;
import io.raftkv.operator.status.SpecValidator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a {@link RaftKvCluster}: validates the spec, runs the workflow of dependents
 * (node RBAC, peer Service, client Service, StatefulSet, PodDisruptionBudget), then computes the
 * status and patches it when it changed.
 *
 * <p>The workflow is invoked explicitly so that an invalid spec changes nothing: JOSDK would
 * otherwise reconcile the dependents (or, with reconcile preconditions, delete them) before this
 * class could look at the spec.
 *
 * <p>No finalizer: every dependent carries an owner reference, so Kubernetes' garbage collector
 * removes them with the cluster even while the operator is down; PVCs follow the StatefulSet's
 * retention policy.
 *
 * <p>Membership (scaling one member at a time, rolling restarts with the leader last) is the
 * {@link MembershipOrchestrator}'s: before the workflow it observes and plans one step, which
 * decides the StatefulSet's replicas and the PodDisruptionBudget's voter count; after the
 * workflow it performs the node call or pod deletion of that step.
 *
 * <p>Never waits inside reconcile: while an operation is in progress, or the cluster is not yet
 * Running, it asks to be rescheduled; StatefulSet and pod changes trigger a reconcile through
 * the informers anyway.
 */
@ControllerConfiguration(
        name = RaftKvClusterReconciler.NAME,
        // generation-aware, plus the request annotations (ClusterUpdateFilter)
        generationAwareEventProcessing = false,
        informer = @Informer(onUpdateFilter = ClusterUpdateFilter.class),
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
@Workflow(
        explicitInvocation = true,
        dependents = {
            @Dependent(name = "node-service-account", type = NodeServiceAccountDependent.class),
            @Dependent(name = "node-role", type = NodeRoleDependent.class),
            @Dependent(
                    name = "node-role-binding",
                    type = NodeRoleBindingDependent.class,
                    dependsOn = {"node-service-account", "node-role"}),
            @Dependent(name = "peer-service", type = PeerServiceDependent.class),
            @Dependent(name = "client-service", type = ClientServiceDependent.class),
            @Dependent(
                    name = "statefulset",
                    type = StatefulSetDependent.class,
                    dependsOn = {"node-role-binding", "peer-service"}),
            @Dependent(name = "pod-disruption-budget", type = PodDisruptionBudgetDependent.class),
            @Dependent(name = "ca-secret", type = CaSecretDependent.class, reconcilePrecondition = TlsOn.class),
            @Dependent(
                    name = "member-tls-secret",
                    type = MemberTlsSecretDependent.class,
                    reconcilePrecondition = TlsOn.class),
            @Dependent(name = "admin-secret", type = AdminSecretDependent.class, reconcilePrecondition = TlsOn.class),
            @Dependent(name = "auth-secret", type = AuthSecretDependent.class, reconcilePrecondition = AuthOn.class),
            @Dependent(
                    name = "certificates",
                    type = CertificatesDependent.class,
                    activationCondition = CertificatesDependent.CertManagerInstalled.class,
                    reconcilePrecondition = CertificatesDependent.Enabled.class),
            @Dependent(
                    name = "network-policy",
                    type = NetworkPolicyDependent.class,
                    reconcilePrecondition = NetworkPolicyDependent.Enabled.class),
            @Dependent(
                    name = "pod-monitor",
                    type = NodePodMonitorDependent.class,
                    activationCondition = CRDPresentActivationCondition.class,
                    reconcilePrecondition = NodePodMonitorDependent.Enabled.class)
        })
public class RaftKvClusterReconciler implements Reconciler<RaftKvCluster> {

    public static final String NAME = "raftkvcluster";
    /** How soon to look again at a cluster that is not Running yet. */
    public static final Duration NOT_READY_RESCHEDULE = Duration.ofSeconds(15);
    /** A Running cluster is reconciled again after this many operation reschedules (60 s by default). */
    static final int IDLE_RESCHEDULE_FACTOR = 12;

    private static final Logger LOG = LoggerFactory.getLogger(RaftKvClusterReconciler.class);

    /** Name of the informer event source on the clusters' pods. */
    public static final String PODS_EVENT_SOURCE = "pods";

    private final Clock clock;
    private final ClusterMetrics metrics;
    private final MembershipOrchestrator orchestrator;
    private final Duration operationReschedule;
    private final ClusterSecurity security;

    /**
     * @param clock stamps condition transition times, operations and events
     * @param metrics per-cluster gauges, fed from this controller's informer cache
     * @param orchestrator scaling and restarts through the nodes' Cluster API
     * @param operationReschedule how soon to look again while an operation is in progress
     * @param security certificates, auth files and the operator's own node credentials
     */
    public RaftKvClusterReconciler(
            Clock clock,
            ClusterMetrics metrics,
            MembershipOrchestrator orchestrator,
            Duration operationReschedule,
            ClusterSecurity security) {
        this.clock = clock;
        this.metrics = metrics;
        this.orchestrator = orchestrator;
        this.operationReschedule = operationReschedule;
        this.security = security;
    }

    @Override
    public List<EventSource<?, RaftKvCluster>> prepareEventSources(EventSourceContext<RaftKvCluster> context) {
        metrics.observe(() -> context.getPrimaryCache().list());
        // Pods are owned by the StatefulSet, not by the cluster: map them through their instance
        // label. Their readiness and revision drive scaling and rolling restarts.
        var pods = InformerEventSourceConfiguration.from(Pod.class, RaftKvCluster.class)
                .withName(PODS_EVENT_SOURCE)
                .withLabelSelector(ClusterObjects.MANAGED_BY_SELECTOR)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(RaftKvClusterReconciler::clusterOfPod)
                .build();
        return List.of(new InformerEventSource<>(pods, context));
    }

    static Set<ResourceID> clusterOfPod(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        String cluster = labels == null ? null : labels.get(ClusterObjects.LABEL_INSTANCE);
        if (cluster == null || cluster.isEmpty()) {
            return Set.of();
        }
        return Set.of(new ResourceID(cluster, pod.getMetadata().getNamespace()));
    }

    @Override
    public UpdateControl<RaftKvCluster> reconcile(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        Optional<StatefulSet> before = context.getSecondaryResource(StatefulSet.class);
        List<String> problems = new java.util.ArrayList<>(SpecValidator.problems(cluster, before));
        if (problems.isEmpty()) {
            SecuritySpecValidator.check(cluster, before, problems);
        }
        if (problems.isEmpty() && before.isPresent()) {
            SecuritySpecValidator.checkIssuer(
                    cluster, before, ClusterSecurity.caSecret(context.getClient(), cluster), problems);
        }
        EventRecorder recorder = new EventRecorder(context.getClient(), clock);
        RestorePlanner.Decision restore = RestorePlanner.Decision.none(
                cluster.getStatus() != null ? cluster.getStatus().getRestore() : null);
        if (problems.isEmpty()) {
            restore = RestorePlanner.decide(
                    cluster,
                    before,
                    name -> Optional.ofNullable(context.getClient()
                            .resources(RaftKvBackup.class)
                            .inNamespace(cluster.getMetadata().getNamespace())
                            .withName(name)
                            .get()),
                    before.isEmpty() && cluster.getSpec().getRestore() != null
                            ? StatefulSetDependent.priorClaims(
                                    cluster,
                                    (namespace, name) -> context.getClient()
                                                    .persistentVolumeClaims()
                                                    .inNamespace(namespace)
                                                    .withName(name)
                                                    .get()
                                            != null)
                            : List.of(),
                    before.isPresent()
                            ? context.getSecondaryResources(Pod.class).stream()
                                    .filter(p -> p.getMetadata()
                                            .getName()
                                            .equals(before.get().getMetadata().getName() + "-0"))
                                    .findFirst()
                                    .flatMap(RestoreFailure::of)
                            : Optional.empty(),
                    clock.instant());
            restore.blocked().ifPresent(b -> problems.add("spec.restore: " + b.message()));
        }
        Optional<StatefulSet> after = before;
        MembershipProgress membership = MembershipProgress.unchanged(
                cluster.getStatus() != null ? cluster.getStatus().getOperation() : null);
        int voters = problems.isEmpty() ? cluster.getSpec().getReplicas() : 0;
        boolean leaderGone = false;
        Optional<QuorumRecovery.Assessment> quorum = Optional.empty();
        Optional<QuorumRecovery.Rebuild> rebuild = Optional.empty();
        boolean recovered = false;
        Optional<ClusterSecurity.Plans> securityPlans = Optional.empty();
        if (problems.isEmpty()) {
            ClusterSecurity.Decision decision = security.prepare(cluster, before, context.getClient());
            Set<Pod> pods = context.getSecondaryResources(Pod.class);
            MembershipOrchestrator.ClaimLookup claims = new MembershipOrchestrator.ClaimLookup() {
                @Override
                public boolean exists(String namespace, String name) {
                    return claim(namespace, name) != null;
                }

                @Override
                public Optional<java.time.Instant> createdAt(String namespace, String name) {
                    PersistentVolumeClaim c = claim(namespace, name);
                    return Optional.ofNullable(c)
                            .map(x -> x.getMetadata().getCreationTimestamp())
                            .map(java.time.Instant::parse);
                }

                private PersistentVolumeClaim claim(String namespace, String name) {
                    return context.getClient()
                            .persistentVolumeClaims()
                            .inNamespace(namespace)
                            .withName(name)
                            .get();
                }
            };
            Orchestration orchestration = orchestrator.prepare(cluster, before, pods, claims, clock.instant());
            var workflowContext = context.managedWorkflowAndDependentResourceContext();
            String confirmation = cluster.getMetadata().getAnnotations() != null
                    ? cluster.getMetadata().getAnnotations().get(QuorumRecovery.ANNOTATION)
                    : null;
            if (before.isPresent() && orchestration.leaderTarget().isEmpty()) {
                quorum = Optional.of(QuorumRecovery.assess(cluster, orchestrator.survey(cluster, pods), confirmation));
            }
            Optional<String> force = quorum.flatMap(QuorumRecovery.Assessment::rebuild)
                    .map(r -> Long.toString(r.memberId()))
                    .or(() -> before.flatMap(StatefulSetDependent::forceNewCluster));
            rebuild = quorum.flatMap(QuorumRecovery.Assessment::rebuild);
            recovered = confirmation != null && orchestration.leaderTarget().isPresent();
            boolean bootstrapAllowed = StatefulSetDependent.bootstrapAllowed(cluster, before, claims);
            // a restore starts with one voter (pod 0, restoring); the others are added once it leads
            new WorkloadPlan(
                            restore.creating() ? 1 : StatefulSetDependent.initialVoters(cluster, before),
                            restore.creating() ? 1 : orchestration.statefulSetReplicas(),
                            restore.creating() ? 1 : orchestration.voters(),
                            bootstrapAllowed,
                            decision.tls(),
                            decision.auth(),
                            restore.mount(),
                            force)
                    .putInto(workflowContext);
            int certified = Math.max(
                    cluster.getSpec().getReplicas(),
                    Math.max(
                            orchestration.statefulSetReplicas(),
                            before.map(s -> s.getSpec().getReplicas()).orElse(0)));
            securityPlans = Optional.of(
                    security.plan(decision, cluster, certified, context.getClient(), clock.instant(), workflowContext));
            workflowContext.reconcileManagedWorkflow();
            after = context.getSecondaryResource(StatefulSet.class);
            if (before.isEmpty()) {
                recorder.record(
                        cluster,
                        "Normal",
                        "Created",
                        "Created the StatefulSet, Services,"
                                + " PodDisruptionBudget and node RBAC for "
                                + cluster.getSpec().getReplicas()
                                + " members.");
            }
            if (before.isEmpty() && !bootstrapAllowed) {
                recorder.record(
                        cluster,
                        "Warning",
                        "PriorVolumesFound",
                        "Volumes of an earlier"
                                + " cluster named " + cluster.getMetadata().getName() + " exist ("
                                + String.join(", ", StatefulSetDependent.priorClaims(cluster, claims)) + "): no pod"
                                + " will bootstrap a new cluster (RAFTKV_BOOTSTRAP=false); pods on fresh volumes"
                                + " join the members whose data those volumes hold. To start an empty cluster"
                                + " instead, delete those PersistentVolumeClaims and recreate the RaftKvCluster.");
            }
            membership = orchestrator.execute(orchestration, cluster, context.getClient(), recorder);
            rebuild.ifPresent(r ->
                    QuorumRecoveryActions.restartWithForceNewCluster(cluster, pods, r, context.getClient(), recorder));
            if (recovered) {
                QuorumRecoveryActions.removeConfirmation(cluster, context.getClient(), recorder);
            }
            voters = restore.creating() ? 1 : orchestration.voters();
            leaderGone = orchestration.recordedLeaderGone();
        } else {
            LOG.warn(
                    "{}/{} has an invalid spec, leaving its objects as they are: {}",
                    cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(),
                    problems);
        }

        RaftKvClusterStatus previous = cluster.getStatus();
        RaftKvClusterStatus next =
                ClusterStatusCalculator.compute(cluster, after, problems, clock.instant(), membership, voters);
        if (leaderGone) {
            // The node that status.leader names is gone or says nobody leads, and no leader
            // answered: during a total outage no node is left to clear its own claim.
            next.setLeader(null);
        }
        RestoreReport.apply(restore, cluster, previous, next, recorder, clock.instant());
        QuorumRecovery.report(quorum, cluster, previous, next, recorder, clock.instant());
        Optional<java.time.Instant> securityRecheck = Optional.empty();
        if (securityPlans.isPresent()) {
            securityRecheck = security.report(securityPlans.get(), cluster, next, recorder, clock.instant());
        } else if (previous != null) {
            next.setTls(previous.getTls());
            ClusterStatusCalculator.find(previous, ConditionTypes.SECURITY_READY)
                    .ifPresent(c -> next.getConditions().add(c));
        }
        for (var event : ClusterEvents.transitions(previous, next)) {
            recorder.record(cluster, event.type(), event.reason(), event.message());
        }

        UpdateControl<RaftKvCluster> control;
        if (next.equals(previous)) {
            control = UpdateControl.noUpdate();
        } else {
            cluster.setStatus(next);
            control = UpdateControl.patchStatus(cluster);
        }
        if (next.getOperation() != null) {
            control.rescheduleAfter(operationReschedule);
        } else if (!ConditionTypes.PHASE_RUNNING.equals(next.getPhase())) {
            control.rescheduleAfter(NOT_READY_RESCHEDULE);
        } else {
            // A Running cluster is looked at again every IDLE_RESCHEDULE_FACTOR operation reschedules
            // (1 min by default): a CORRUPT alarm changes no object the operator watches, and an
            // automatic repair should not wait for maxReconciliationInterval. Sooner for a CA
            // rotation's next phase or a renewal.
            Duration idle = operationReschedule.multipliedBy(IDLE_RESCHEDULE_FACTOR);
            if (securityRecheck.isPresent()) {
                Duration security = ClusterSecurity.until(clock.instant(), securityRecheck.get());
                idle = security.compareTo(idle) < 0 ? security : idle;
            }
            control.rescheduleAfter(idle);
        }
        return control;
    }

    /**
     * Every failure of a reconciliation — the API server refusing an owned object (a name that
     * is already taken, an invalid label key or toleration), a forbidden call, an unreachable API
     * server, a bug — becomes visible: Degraded=True with a reason and a message naming the
     * object, one Warning event per distinct failure, and
     * {@code raftkv_operator_reconcile_failures_total}. JOSDK retries with exponential backoff
     * ({@link RaftKvOperator#RETRY}); the next successful reconciliation recomputes the status,
     * which clears Degraded and records Recovered.
     */
    @Override
    public ErrorStatusUpdateControl<RaftKvCluster> updateErrorStatus(
            RaftKvCluster cluster, Context<RaftKvCluster> context, Exception e) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        ReconcileFailure failure = ReconcileFailure.of(e);
        metrics.reconcileFailed(namespace, name, failure.reason());
        if (failure.transientConflict()) {
            LOG.debug("{}/{}: stale write, retrying: {}", namespace, name, failure.message());
            return ErrorStatusUpdateControl.noStatusUpdate();
        }
        LOG.warn("{}/{}: reconciliation failed ({}): {}", namespace, name, failure.reason(), failure.message());
        LOG.debug("{}/{}: reconciliation failure", namespace, name, e);
        RaftKvClusterStatus previous = cluster.getStatus();
        boolean reported = ClusterStatusCalculator.find(previous, ConditionTypes.DEGRADED)
                .filter(c -> "True".equals(c.getStatus())
                        && failure.reason().equals(c.getReason())
                        && failure.message().equals(c.getMessage()))
                .isPresent();
        if (!reported) {
            new EventRecorder(context.getClient(), clock)
                    .record(cluster, "Warning", failure.reason(), failure.message());
        }
        RaftKvClusterStatus next = ClusterStatusCalculator.failed(cluster, failure, clock.instant());
        if (next.equals(previous)) {
            return ErrorStatusUpdateControl.noStatusUpdate();
        }
        cluster.setStatus(next);
        return ErrorStatusUpdateControl.patchStatus(cluster);
    }
}
