package io.raftkv.operator.backup;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.raftkv.operator.api.v1alpha1.RaftKvBackup;
import io.raftkv.operator.dependents.ClusterObjects;

/**
 * The one Job of a RaftKvBackup ({@link BackupJob}). Created once and never updated: a Job's pod
 * template is immutable, and a backup is a record of one run. Deleted with its backup (owner
 * reference).
 */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class BackupJobDependent extends KubernetesDependentResource<Job, RaftKvBackup>
        implements Creator<Job, RaftKvBackup>, GarbageCollected<RaftKvBackup> {

    /** Key of the {@link BackupPlan} in the workflow's context, put there by the reconciler. */
    static final String PLAN = "backup-plan";

    public BackupJobDependent() {
        super(Job.class);
    }

    @Override
    protected Job desired(RaftKvBackup backup, Context<RaftKvBackup> context) {
        return BackupJob.desired(
                context.managedWorkflowAndDependentResourceContext().getMandatory(PLAN, BackupPlan.class));
    }
}
