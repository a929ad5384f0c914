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
 * A replicated RaftKV key-value store: the operator turns one of these into a StatefulSet of
 * Raft nodes, a headless peer Service, a client Service, a PodDisruptionBudget and node RBAC.
 *
 * <p>This class, its spec and its status are the single source of truth for the CRD: the
 * crd-generator renders {@code raftkvclusters.raftkv.io-v1.yml} from them at build time and a
 * test fails when the checked-in copies under {@code crds/}, {@code config/crd/} and the Helm
 * chart drift from it.
 *
 * <p>Ownership of the status is split: the operator writes phase, replicas, readyReplicas,
 * selector, observedGeneration and conditions; the Raft leader writes leader, term, members and
 * commitIndex. Neither overwrites the other's fields.
 */
@Group(RaftKvCluster.GROUP)
@Version(RaftKvCluster.VERSION)
@Kind(RaftKvCluster.KIND)
@Plural(RaftKvCluster.PLURAL)
@Singular("raftkvcluster")
@ShortNames("rkv")
// The generator orders printer columns by JSON path; io.raftkv.operator.crd.CrdSchemaFinisher
// puts them in reading order (Age last) and adds the category raftkv-all.
@AdditionalPrinterColumn(name = "Replicas", jsonPath = ".spec.replicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Ready",
        jsonPath = ".status.readyReplicas",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Leader", jsonPath = ".status.leader", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Term", jsonPath = ".status.term", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
@JsonClassDescription("A strongly consistent, Raft-replicated key-value store cluster.")
public class RaftKvCluster extends CustomResource<RaftKvClusterSpec, RaftKvClusterStatus> implements Namespaced {

    public static final String GROUP = "raftkv.io";
    public static final String VERSION = "v1alpha1";
    public static final String KIND = "RaftKvCluster";
    public static final String PLURAL = "raftkvclusters";
    /** The CRD's metadata.name, also the base name of the generated YAML file. */
    public static final String CRD_NAME = PLURAL + "." + GROUP;

    @Override
    protected RaftKvClusterSpec initSpec() {
        return new RaftKvClusterSpec();
    }
}
