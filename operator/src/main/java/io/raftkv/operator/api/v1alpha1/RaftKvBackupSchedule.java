package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Backups of a RaftKvCluster on a cron schedule: the operator creates a {@link RaftKvBackup}
 * (owned by the schedule) at every firing and deletes the schedule's backups, and their stored
 * snapshots, beyond the retention (count and age).
 */
@Group(RaftKvCluster.GROUP)
@Version(RaftKvCluster.VERSION)
@Kind(RaftKvBackupSchedule.KIND)
@Plural(RaftKvBackupSchedule.PLURAL)
@Singular("raftkvbackupschedule")
@ShortNames("rkvbs")
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.clusterName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Schedule", jsonPath = ".spec.schedule", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "LastSuccess",
        jsonPath = ".status.lastSuccessfulTime",
        type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
@JsonClassDescription("Scheduled backups of a RaftKvCluster (cron), with retention by count and age.")
public class RaftKvBackupSchedule extends CustomResource<RaftKvBackupScheduleSpec, RaftKvBackupScheduleStatus>
        implements Namespaced {

    public static final String KIND = "RaftKvBackupSchedule";
    public static final String PLURAL = "raftkvbackupschedules";
    public static final String CRD_NAME = PLURAL + "." + RaftKvCluster.GROUP;

    @Override
    protected RaftKvBackupScheduleSpec initSpec() {
        return new RaftKvBackupScheduleSpec();
    }
}
