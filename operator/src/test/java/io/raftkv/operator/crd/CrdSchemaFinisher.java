package io.raftkv.operator.crd;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRuleBuilder;
import io.raftkv.operator.api.v1alpha1.Quantities;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupSchedule;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the generator's annotations cannot put into the schema:
 * <ul>
 *   <li>the quantity pattern on the embedded {@code ResourceRequirements} maps (the API server
 *       then rejects {@code ""} or {@code 1e3Gi} at admission, as it does for a Pod);</li>
 *   <li>a CEL rule on {@code metadata.name}: at most {@value #MAX_NAME} characters (the
 *       StatefulSet's pods carry the label {@code controller-revision-hash: <name>-<10 chars>},
 *       which must fit in 63), a DNS label starting with a letter, and not ending in
 *       {@code -peers} (a cluster {@code x-peers}'s client Service would take cluster
 *       {@code x}'s peer Service name);</li>
 *   <li>enums on the tolerations' {@code operator} and {@code effect};</li>
 *   <li>{@code x-kubernetes-list-type} on every list: {@code set} for image pull secrets,
 *       {@code map} keyed by {@code type} for conditions, {@code atomic} elsewhere;</li>
 *   <li>{@code default: {}} on {@code spec} and its object-valued parents, so that their
 *       children's defaults are applied (and shown) when the parent is omitted;</li>
 *   <li>descriptions of the embedded Kubernetes types' fields ({@link EmbeddedDescriptions});</li>
 *   <li>the category {@code raftkv-all} ({@code kubectl get raftkv-all}) and the printer
 *       columns in reading order, Age last.</li>
 * </ul>
 */
final class CrdSchemaFinisher {

    /** Longest cluster name: 63 − len("-") − 10 (controller-revision-hash suffix). */
    static final int MAX_NAME = 52;

    static final String NAME_RULE = "self.metadata.name.size() <= " + MAX_NAME
            + " && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')"
            + " && !self.metadata.name.endsWith('-peers')";
    static final String NAME_MESSAGE = "metadata.name must be a DNS label of at most " + MAX_NAME
            + " characters that starts with a letter and does not end in -peers (names derived from"
            + " it — pods, the <name>-peers Service, revision labels — must fit in 63 characters and"
            + " must not collide with another cluster's)";
    static final List<String> COLUMN_ORDER = List.of("Replicas", "Ready", "Phase", "Leader", "Term", "Age");

    private CrdSchemaFinisher() {}

    /** Printer columns of the backup kinds, in reading order. */
    static final List<String> BACKUP_COLUMN_ORDER =
            List.of("Cluster", "Schedule", "Phase", "Index", "Bytes", "Location", "LastSuccess", "Age");

    /** Longest schedule name: a backup it creates is named {@code <schedule>-<yyyyMMddHHmm>}. */
    static final int MAX_SCHEDULE_NAME = 50;

    static HasMetadata finish(HasMetadata object) {
        CustomResourceDefinition crd = (CustomResourceDefinition) object;
        if (!crd.getMetadata().getName().equals(RaftKvCluster.CRD_NAME)) {
            return finishBackupKind(crd);
        }
        for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
            JSONSchemaProps spec = child(version.getSchema().getOpenAPIV3Schema(), "spec");
            JSONSchemaProps resources = child(spec, "resources");
            for (String map : new String[] {"limits", "requests"}) {
                JSONSchemaProps values =
                        child(resources, map).getAdditionalProperties().getSchema();
                values.setPattern(Quantities.PATTERN);
            }
            JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
            root.setXKubernetesValidations(List.of(new ValidationRuleBuilder()
                    .withRule(NAME_RULE)
                    .withMessage(NAME_MESSAGE)
                    .build()));
            listTypes(root);
            EmbeddedDescriptions.fill(root, "");
            child(spec, "imagePullSecrets").setXKubernetesListType("set");
            JSONSchemaProps conditions = child(child(root, "status"), "conditions");
            conditions.setXKubernetesListType("map");
            conditions.setXKubernetesListMapKeys(List.of("type"));
            conditions.getItems().getSchema().setRequired(List.of("type", "status"));
            // The API server would refuse other values on the StatefulSet (422) anyway; refused
            // here, the user hears it from kubectl instead of from a Degraded condition.
            JSONSchemaProps toleration =
                    child(child(spec, "scheduling"), "tolerations").getItems().getSchema();
            child(toleration, "operator").setEnum(texts("", "Equal", "Exists"));
            child(toleration, "effect").setEnum(texts("", "NoSchedule", "PreferNoSchedule", "NoExecute"));
            spec.setDefault(JsonNodeFactory.instance.objectNode());
            for (String parent : List.of("storage", "raft", "scheduling", "clientService")) {
                child(spec, parent).setDefault(JsonNodeFactory.instance.objectNode());
            }
            List<CustomResourceColumnDefinition> columns = new ArrayList<>(version.getAdditionalPrinterColumns());
            columns.sort(Comparator.comparingInt(c -> order(c.getName())));
            version.setAdditionalPrinterColumns(columns);
        }
        crd.getSpec().getNames().setCategories(List.of("raftkv-all"));
        return crd;
    }

    /**
     * RaftKvBackup and RaftKvBackupSchedule: a DNS-label name rule (a backup's name is its Job's
     * name, a schedule's name prefixes its backups'), list types, {@code default: {}} on spec, the
     * category and the columns in reading order.
     */
    private static HasMetadata finishBackupKind(CustomResourceDefinition crd) {
        boolean schedule = crd.getMetadata().getName().equals(RaftKvBackupSchedule.CRD_NAME);
        int max = schedule ? MAX_SCHEDULE_NAME : 63;
        for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
            JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
            root.setXKubernetesValidations(List.of(new ValidationRuleBuilder()
                    .withRule("self.metadata.name.size() <= " + max
                            + " && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')")
                    .withMessage("metadata.name must be a DNS label of at most " + max
                            + " characters that starts with a letter"
                            + (schedule ? " (its backups are named <name>-<yyyyMMddHHmm>)" : " (it names the Job)"))
                    .build()));
            listTypes(root);
            List<CustomResourceColumnDefinition> columns = new ArrayList<>(version.getAdditionalPrinterColumns());
            columns.sort(Comparator.comparingInt(c -> BACKUP_COLUMN_ORDER.indexOf(c.getName())));
            version.setAdditionalPrinterColumns(columns);
        }
        crd.getSpec().getNames().setCategories(List.of("raftkv-all"));
        return crd;
    }

    private static List<com.fasterxml.jackson.databind.JsonNode> texts(String... values) {
        List<com.fasterxml.jackson.databind.JsonNode> nodes = new ArrayList<>();
        for (String v : values) {
            nodes.add(JsonNodeFactory.instance.textNode(v));
        }
        return nodes;
    }

    private static int order(String column) {
        int i = COLUMN_ORDER.indexOf(column);
        if (i < 0) {
            throw new IllegalStateException("printer column " + column + " has no place in " + COLUMN_ORDER);
        }
        return i;
    }

    /** Every list is atomic unless said otherwise (explicit rather than the API default). */
    private static void listTypes(JSONSchemaProps node) {
        if ("array".equals(node.getType()) && node.getXKubernetesListType() == null) {
            node.setXKubernetesListType("atomic");
        }
        if (node.getProperties() != null) {
            node.getProperties().values().forEach(CrdSchemaFinisher::listTypes);
        }
        if (node.getItems() != null && node.getItems().getSchema() != null) {
            listTypes(node.getItems().getSchema());
        }
        if (node.getAdditionalProperties() != null
                && node.getAdditionalProperties().getSchema() != null) {
            listTypes(node.getAdditionalProperties().getSchema());
        }
    }

    private static JSONSchemaProps child(JSONSchemaProps parent, String name) {
        JSONSchemaProps child = parent.getProperties().get(name);
        if (child == null) {
            throw new IllegalStateException("the generated schema has no property '" + name + "'");
        }
        return child;
    }
}
