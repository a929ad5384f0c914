package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Per-member persistent storage. The volume holds the Raft log, the hard state, the state machine
 * and the member id file; losing it means the member must rejoin under a fresh id.
 *
 * <p>Size and storage class become a StatefulSet volumeClaimTemplate, which Kubernetes does not
 * let anyone change after creation, so the schema rejects edits to them (CEL transition rule) and
 * the reconciler refuses them too (for objects written before the rule existed). The field rules
 * ({@code self == oldSelf}) only run when both values exist; the rule on the object catches a
 * storage class set or removed after creation.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "has(self.storageClassName) == has(oldSelf.storageClassName)",
        message = "storage.storageClassName cannot be set or unset after creation:"
                + " volumeClaimTemplates cannot change")
public class StorageSpec {

    public static final String DEFAULT_SIZE = "10Gi";

    @Default(DEFAULT_SIZE)
    @Pattern("^([0-9]+(\\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")
    @ValidationRule(
            value = "self == oldSelf",
            message = "storage.size is immutable: volumeClaimTemplates cannot change")
    @JsonPropertyDescription("Size of each member's volume, as a Kubernetes quantity (e.g. 10Gi)." + " Immutable.")
    private String size = DEFAULT_SIZE;

    @ValidationRule(
            value = "self == oldSelf",
            message = "storage.storageClassName is immutable: volumeClaimTemplates cannot change")
    @JsonPropertyDescription("StorageClass of the volumes; the cluster default when unset." + " Immutable.")
    private String storageClassName;

    @Default("Retain")
    @JsonPropertyDescription("What happens to the members' PersistentVolumeClaims when the"
            + " RaftKvCluster is deleted: Retain keeps the data, Delete removes it.")
    private PvcRetention whenDeleted = PvcRetention.Retain;

    @Default("Retain")
    @JsonPropertyDescription("What happens to the PersistentVolumeClaim of a member removed by"
            + " scaling down: Retain keeps it, Delete removes it. A retained volume is never reused"
            + " under the old member id.")
    private PvcRetention whenScaled = PvcRetention.Retain;

    public String getSize() {
        return size;
    }

    public void setSize(String size) {
        this.size = size;
    }

    public String getStorageClassName() {
        return storageClassName;
    }

    public void setStorageClassName(String storageClassName) {
        this.storageClassName = storageClassName;
    }

    public PvcRetention getWhenDeleted() {
        return whenDeleted;
    }

    public void setWhenDeleted(PvcRetention whenDeleted) {
        this.whenDeleted = whenDeleted;
    }

    public PvcRetention getWhenScaled() {
        return whenScaled;
    }

    public void setWhenScaled(PvcRetention whenScaled) {
        this.whenScaled = whenScaled;
    }

    /** StatefulSet PVC retention policy values. */
    public enum PvcRetention {
        Retain,
        Delete
    }
}
