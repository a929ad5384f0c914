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
 * One backup of a RaftKvCluster: a consistent snapshot taken from a healthy member (the most
 * up-to-date follower when there is one), streamed with its checksums to a PersistentVolumeClaim
 * or an S3-compatible object store by a Job that runs {@code raftkvctl snapshot save} from the
 * node image. Immutable once created; deleting it does not delete the stored snapshot.
 */
@Group(RaftKvCluster.GROUP)
@Version(RaftKvCluster.VERSION)
@Kind(RaftKvBackup.KIND)
@Plural(RaftKvBackup.PLURAL)
@Singular("raftkvbackup")
@ShortNames("rkvb")
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.clusterName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Index", jsonPath = ".status.index", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Bytes", jsonPath = ".status.bytes", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Location", jsonPath = ".status.location", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
@JsonClassDescription("One backup of a RaftKvCluster to a PersistentVolumeClaim or an S3-compatible object store.")
public class RaftKvBackup extends CustomResource<RaftKvBackupSpec, RaftKvBackupStatus> implements Namespaced {

    public static final String KIND = "RaftKvBackup";
    public static final String PLURAL = "raftkvbackups";
    public static final String CRD_NAME = PLURAL + "." + RaftKvCluster.GROUP;

    @Override
    protected RaftKvBackupSpec initSpec() {
        return new RaftKvBackupSpec();
    }
}
