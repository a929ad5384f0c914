package io.raftkv.operator;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import io.raftkv.operator.dependents.ClientServiceDependent;
import io.raftkv.operator.dependents.NodeRoleBindingDependent;
import io.raftkv.operator.dependents.NodeRoleDependent;
import io.raftkv.operator.dependents.NodeServiceAccountDependent;
import io.raftkv.operator.dependents.PeerServiceDependent;
import io.raftkv.operator.dependents.PodDisruptionBudgetDependent;
import io.raftkv.operator.dependents.StatefulSetDependent;
import io.raftkv.operator.metrics.ClusterMetrics;
import io.raftkv.operator.status.ClusterEvents;
import io.raftkv.operator.status.ClusterStatusCalculator;
import io.raftkv.operator.status.ConditionTypes;
import io.raftkv.operator.status.EventRecorder;
import io.raftkv.operator.status.SpecValidator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
 * <p>Never waits inside reconcile: while the cluster is not yet Running it asks to be
 * rescheduled, and StatefulSet status changes trigger a reconcile through the informer anyway.
 */
@ControllerConfiguration(name = RaftKvClusterReconciler.NAME)
@Workflow(explicitInvocation = true, dependents = {
    @Dependent(name = "node-service-account", type = NodeServiceAccountDependent.class),
    @Dependent(name = "node-role", type = NodeRoleDependent.class),
    @Dependent(name = "node-role-binding", type = NodeRoleBindingDependent.class,
        dependsOn = {"node-service-account", "node-role"}),
    @Dependent(name = "peer-service", type = PeerServiceDependent.class),
    @Dependent(name = "client-service", type = ClientServiceDependent.class),
    @Dependent(name = "statefulset", type = StatefulSetDependent.class,
        dependsOn = {"node-role-binding", "peer-service"}),
    @Dependent(name = "pod-disruption-budget", type = PodDisruptionBudgetDependent.class)
})
public class RaftKvClusterReconciler implements Reconciler<RaftKvCluster> {

  public static final String NAME = "raftkvcluster";
  /** How soon to look again at a cluster that is not Running yet. */
  public static final Duration NOT_READY_RESCHEDULE = Duration.ofSeconds(15);

  private static final Logger LOG = LoggerFactory.getLogger(RaftKvClusterReconciler.class);

  private final Clock clock;
  private final ClusterMetrics metrics;

  /**
   * @param clock stamps condition transition times and events
   * @param metrics per-cluster gauges, fed from this controller's informer cache
   */
  public RaftKvClusterReconciler(Clock clock, ClusterMetrics metrics) {
    this.clock = clock;
    this.metrics = metrics;
  }

  @Override
  public List<EventSource<?, RaftKvCluster>> prepareEventSources(
      EventSourceContext<RaftKvCluster> context) {
    metrics.observe(() -> context.getPrimaryCache().list());
    return List.of();
  }

  @Override
  public UpdateControl<RaftKvCluster> reconcile(RaftKvCluster cluster,
      Context<RaftKvCluster> context) {
    Optional<StatefulSet> before = context.getSecondaryResource(StatefulSet.class);
    List<String> problems = SpecValidator.problems(cluster, before);
    EventRecorder recorder = new EventRecorder(context.getClient(), clock);
    Optional<StatefulSet> after = before;
    if (problems.isEmpty()) {
      context.managedWorkflowAndDependentResourceContext().put(
          StatefulSetDependent.INITIAL_VOTERS_KEY,
          StatefulSetDependent.initialVoters(cluster, before));
      context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
      after = context.getSecondaryResource(StatefulSet.class);
      recordCreateOrScale(recorder, cluster, before);
    } else {
      LOG.warn("{}/{} has an invalid spec, leaving its objects as they are: {}",
          cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(), problems);
    }

    RaftKvClusterStatus previous = cluster.getStatus();
    RaftKvClusterStatus next =
        ClusterStatusCalculator.compute(cluster, after, problems, clock.instant());
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
    if (!ConditionTypes.PHASE_RUNNING.equals(next.getPhase())) {
      control.rescheduleAfter(NOT_READY_RESCHEDULE);
    }
    return control;
  }

  private static void recordCreateOrScale(EventRecorder recorder, RaftKvCluster cluster,
      Optional<StatefulSet> before) {
    int desired = cluster.getSpec().getReplicas();
    if (before.isEmpty()) {
      recorder.record(cluster, "Normal", "Created", "Created the StatefulSet, Services,"
          + " PodDisruptionBudget and node RBAC for " + desired + " members.");
      return;
    }
    Integer was = before.get().getSpec().getReplicas();
    if (was != null && was != desired) {
      recorder.record(cluster, "Normal", "Scaled",
          "Scaled the StatefulSet from " + was + " to " + desired + " members.");
    }
  }
}
