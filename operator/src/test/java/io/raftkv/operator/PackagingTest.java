package io.raftkv.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.raftkv.operator.api.v1alpha1.Quantities;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.status.SpecValidator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The checked-in deployment artifacts: the CRD copies match the generated CRD, the schema
 * documents every field, {@code kubectl kustomize} renders config/, and the Helm chart lints and
 * renders (through helm-java, no helm binary needed).
 */
class PackagingTest {

    private static final Path ROOT = TestClusters.repoRoot();
    private static final List<Path> CRD_COPIES = List.of(
            ROOT.resolve("crds/raftkvclusters.raftkv.io-v1.yml"),
            ROOT.resolve("config/crd/bases/raftkvclusters.raftkv.io-v1.yml"),
            ROOT.resolve("charts/raftkv-operator/files/raftkvclusters.raftkv.io-v1.yml"));
    private static final ObjectMapper YAML = new YAMLMapper();

    @Test
    void checkedInCrdsAreIdenticalToTheGeneratedOne() throws IOException {
        String generated = Files.readString(TestClusters.generatedCrd());
        for (Path copy : CRD_COPIES) {
            assertThat(Files.readString(copy))
                    .as("%s is out of date: run `make crds` and commit the result", ROOT.relativize(copy))
                    .isEqualTo(generated);
        }
        for (String other : List.of("raftkvbackups.raftkv.io-v1.yml", "raftkvbackupschedules.raftkv.io-v1.yml")) {
            String backupCrd = Files.readString(TestClusters.generatedCrd().resolveSibling(other));
            for (Path copy : CRD_COPIES) {
                Path sibling = copy.resolveSibling(other);
                assertThat(sibling).exists();
                assertThat(Files.readString(sibling))
                        .as("%s is out of date: run `make crds` and commit the result", ROOT.relativize(sibling))
                        .isEqualTo(backupCrd);
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void crdHasScaleSubresourcePrinterColumnsValidationAndDescriptions() throws IOException {
        Map<String, Object> crd = YAML.readValue(TestClusters.generatedCrd().toFile(), Map.class);
        Map<String, Object> version = ((List<Map<String, Object>>) at(crd, "spec", "versions")).get(0);
        assertThat((Map<String, Object>) at(version, "subresources", "scale"))
                .containsEntry("specReplicasPath", ".spec.replicas")
                .containsEntry("statusReplicasPath", ".status.replicas")
                .containsEntry("labelSelectorPath", ".status.selector");
        assertThat((List<Map<String, Object>>) version.get("additionalPrinterColumns"))
                .extracting(c -> c.get("name"))
                .containsExactly("Replicas", "Ready", "Phase", "Leader", "Term", "Age");
        assertThat((List<String>) at(crd, "spec", "names", "categories")).contains("raftkv-all");
        Map<String, Object> schema = (Map<String, Object>) at(version, "schema", "openAPIV3Schema");
        Map<String, Object> replicas = (Map<String, Object>) at(schema, "properties", "spec", "properties", "replicas");
        assertThat(replicas)
                .containsEntry("minimum", 1.0)
                .containsEntry("maximum", 9.0)
                .containsEntry("default", 3);
        assertThat(replicas.get("x-kubernetes-validations").toString()).contains("self % 2 == 1");
        for (String map : List.of("limits", "requests")) {
            assertThat(at(
                            schema,
                            "properties",
                            "spec",
                            "properties",
                            "resources",
                            "properties",
                            map,
                            "additionalProperties",
                            "pattern"))
                    .as("quantity pattern on resources.%s", map)
                    .isEqualTo(Quantities.PATTERN);
        }

        List<String> undocumented = new ArrayList<>();
        collectUndocumented("spec", (Map<String, Object>) at(schema, "properties", "spec"), undocumented);
        collectUndocumented("status", (Map<String, Object>) at(schema, "properties", "status"), undocumented);
        assertThat(undocumented).as("fields without a description").isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void kustomizeRendersTheDefaultDeploymentAndTheSamples() throws Exception {
        List<Map<String, Object>> objects = documents(kubectlKustomize("config/default"));
        assertThat(objects)
                .extracting(o -> (String) o.get("kind"))
                .containsExactlyInAnyOrder(
                        "Namespace",
                        "CustomResourceDefinition",
                        "CustomResourceDefinition",
                        "CustomResourceDefinition",
                        "ServiceAccount",
                        "ClusterRole",
                        "ClusterRoleBinding",
                        "Role",
                        "RoleBinding",
                        "Service",
                        "Deployment");
        for (Map<String, Object> o : objects) {
            String kind = (String) o.get("kind");
            if (!List.of("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding")
                    .contains(kind)) {
                assertThat(at(o, "metadata", "namespace")).as(kind).isEqualTo("raftkv-system");
            }
        }
        Map<String, Object> deployment = byKind(objects, "Deployment");
        Map<String, Object> container =
                ((List<Map<String, Object>>) at(deployment, "spec", "template", "spec", "containers")).get(0);
        assertThat(container.get("image")).isEqualTo("raftkv/raftkv-operator:0.1.0");
        assertThat(container.get("env").toString()).contains("RAFTKV_LEASE_NAMESPACE");
        assertThat(((List<Map<String, Object>>)
                                byKind(objects, "ClusterRoleBinding").get("subjects"))
                        .get(0))
                .containsEntry("namespace", "raftkv-system");
        assertThat(byKind(objects, "ClusterRole").get("rules"))
                .isEqualTo(documents(Files.readString(ROOT.resolve("config/rbac/role.yaml")))
                        .get(0)
                        .get("rules"));

        List<Map<String, Object>> samples = documents(kubectlKustomize("config/samples"));
        assertThat(samples).hasSize(2);
        for (Map<String, Object> sample : samples) {
            RaftKvCluster cluster = new ObjectMapper().convertValue(sample, RaftKvCluster.class);
            cluster.getMetadata().setNamespace("default");
            assertThat(SpecValidator.problems(cluster, Optional.empty()))
                    .as("sample %s", cluster.getMetadata().getName())
                    .isEmpty();
        }
        assertThat(samples).extracting(s -> at(s, "spec", "replicas")).containsExactlyInAnyOrder(3, 5);
        assertThat(documents(kubectlKustomize("config/prometheus")))
                .extracting(o -> o.get("kind"))
                .containsExactly("PodMonitor", "PrometheusRule", "ServiceMonitor");
    }

    @Test
    @SuppressWarnings("unchecked")
    void helmChartLintsAndRenders() throws IOException {
        Path chart = ROOT.resolve("charts/raftkv-operator");
        LintResult lint = new Helm(chart).lint().strict().call();
        assertThat(lint.isFailed()).as("helm lint: %s", lint.getMessages()).isFalse();

        List<Map<String, Object>> plain = documents(
                new Helm(chart).template().withName("rkv").withNamespace("ops").call());
        assertThat(plain)
                .extracting(o -> (String) o.get("kind"))
                .containsExactlyInAnyOrder(
                        "CustomResourceDefinition",
                        "CustomResourceDefinition",
                        "CustomResourceDefinition",
                        "ServiceAccount",
                        "ClusterRole",
                        "ClusterRoleBinding",
                        "Role",
                        "RoleBinding",
                        "Service",
                        "Deployment");
        Map<String, Object> crd = byKind(plain, "CustomResourceDefinition");
        assertThat((Map<String, Object>) at(crd, "metadata", "annotations"))
                .as("helm uninstall keeps the CRD")
                .containsEntry("helm.sh/resource-policy", "keep");
        // Helm re-serializes numbers (1.0 becomes 1); the API server sees the same schema.
        assertThat(numbersNormalized(crd.get("spec")))
                .as("helm upgrade applies the generated CRD")
                .isEqualTo(numbersNormalized(
                        YAML.readValue(TestClusters.generatedCrd().toFile(), Map.class)
                                .get("spec")));
        assertThat(byKind(plain, "ClusterRole").get("rules"))
                .isEqualTo(documents(Files.readString(ROOT.resolve("config/rbac/role.yaml")))
                        .get(0)
                        .get("rules"));

        List<Map<String, Object>> custom = documents(new Helm(chart)
                .template()
                .withName("rkv")
                .withNamespace("ops")
                .set("watchNamespaces[0]", "team-a")
                .set("watchNamespaces[1]", "team-b")
                .set("leaderElection.enabled", "false")
                .set("replicaCount", "1")
                .set("image.tag", "9.9.9")
                .set("metrics.serviceMonitor.enabled", "true")
                .set("tls.propagationSeconds", "120")
                .call());
        assertThat(custom)
                .extracting(o -> (String) o.get("kind"))
                .contains("ServiceMonitor")
                .doesNotContain("Role", "RoleBinding");
        Map<String, Object> container = ((List<Map<String, Object>>)
                        at(byKind(custom, "Deployment"), "spec", "template", "spec", "containers"))
                .get(0);
        assertThat(container.get("image")).isEqualTo("raftkv/raftkv-operator:9.9.9");
        assertThat((List<Map<String, Object>>) container.get("env"))
                .anySatisfy(e -> assertThat(e)
                        .containsEntry("name", "RAFTKV_WATCH_NAMESPACES")
                        .containsEntry("value", "team-a,team-b"))
                .anySatisfy(e -> assertThat(e)
                        .containsEntry("name", "RAFTKV_LEADER_ELECTION")
                        .containsEntry("value", "false"))
                .anySatisfy(e -> assertThat(e)
                        .containsEntry("name", "RAFTKV_TLS_PROPAGATION_SECONDS")
                        .containsEntry("value", "120"));
    }

    @Test
    void helmRefusesTwoOperatorReplicasWithoutLeaderElection() throws IOException {
        Path chart = ROOT.resolve("charts/raftkv-operator");
        assertThatThrownBy(() -> new Helm(chart)
                        .template()
                        .withName("rkv")
                        .withNamespace("ops")
                        .set("replicaCount", "2")
                        .set("leaderElection.enabled", "false")
                        .call())
                .hasMessageContaining("leaderElection");
        assertThatThrownBy(() -> new Helm(chart)
                        .template()
                        .withName("rkv")
                        .withNamespace("ops")
                        .set("replicaCount", "0")
                        .call())
                .hasMessageContaining("replicaCount");
        assertThat(documents(new Helm(chart)
                        .template()
                        .withName("rkv")
                        .withNamespace("ops")
                        .set("replicaCount", "3")
                        .call()))
                .extracting(o -> o.get("kind"))
                .contains("Deployment");
    }

    /**
     * The operator's ClusterRole, as rendered by kustomize and by the chart: exactly the rules
     * the operator needs. Owned objects carry {@code blockOwnerDeletion: true}, which needs
     * update on {@code raftkvclusters/finalizers} wherever OwnerReferencesPermissionEnforcement
     * is on; restarts evict through {@code pods/eviction}; nothing patches or updates the
     * primary resource itself, or patches events.
     */
    @Test
    @SuppressWarnings("unchecked")
    void renderedClusterRoleGrantsExactlyWhatTheOperatorUses() throws Exception {
        List<Map<String, Object>> fromChart = (List<Map<String, Object>>) byKind(
                        documents(new Helm(ROOT.resolve("charts/raftkv-operator"))
                                .template()
                                .withName("rkv")
                                .withNamespace("ops")
                                .call()),
                        "ClusterRole")
                .get("rules");
        List<Map<String, Object>> fromKustomize =
                (List<Map<String, Object>>) byKind(documents(kubectlKustomize("config/default")), "ClusterRole")
                        .get("rules");
        for (List<Map<String, Object>> rules : List.of(fromChart, fromKustomize)) {
            assertThat(verbs(rules, "raftkv.io", "raftkvclusters")).containsExactly("get", "list", "watch", "patch");
            assertThat(verbs(rules, "raftkv.io", "raftkvclusters/finalizers")).containsExactly("update");
            assertThat(verbs(rules, "raftkv.io", "raftkvclusters/status")).containsExactly("get", "patch", "update");
            assertThat(verbs(rules, "", "pods/eviction")).containsExactly("create");
            assertThat(verbs(rules, "", "pods")).containsExactly("get", "list", "watch", "delete");
            assertThat(verbs(rules, "", "events")).containsExactly("create");
            assertThat(verbs(rules, "", "secrets"))
                    .containsExactly("get", "list", "watch", "create", "update", "patch", "delete");
            assertThat(verbs(rules, "networking.k8s.io", "networkpolicies"))
                    .containsExactly("get", "list", "watch", "create", "update", "patch", "delete");
            assertThat(verbs(rules, "cert-manager.io", "certificates"))
                    .containsExactly("get", "list", "watch", "create", "update", "patch", "delete");
        }
        List<Map<String, Object>> leases = (List<Map<String, Object>>)
                byKind(documents(kubectlKustomize("config/default")), "Role").get("rules");
        assertThat(verbs(leases, "coordination.k8s.io", "leases")).containsExactly("get", "create", "update", "patch");
    }

    /**
     * {@code make undeploy} must never delete user data: what it deletes contains neither the CRD
     * (whose deletion deletes every RaftKvCluster) nor the namespace; deleting the CRD is its own
     * target that refuses to run without an explicit confirmation.
     */
    @Test
    void undeployLeavesTheCrdAndTheNamespaceAndUninstallCrdAsksFirst() throws Exception {
        String undeploy =
                run("make", "-s", "-n", "-C", ROOT.toString(), "undeploy").trim();
        assertThat(undeploy).startsWith("kubectl delete -k ");
        String dir = undeploy.split("\\s+")[3];
        assertThat(documents(kubectlKustomize(dir)))
                .extracting(o -> (String) o.get("kind"))
                .contains("Deployment", "ClusterRole")
                .doesNotContain("CustomResourceDefinition", "Namespace");

        Process refused = new ProcessBuilder("make", "-s", "-C", ROOT.toString(), "uninstall-crd")
                .redirectErrorStream(true)
                .start();
        String output = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(refused.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(refused.exitValue()).as(output).isNotZero();
        assertThat(output)
                .contains("WARNING")
                .contains("every RaftKvCluster")
                .contains("CONFIRM=delete-all-raftkv-clusters")
                .doesNotContain("kubectl delete");
        assertThat(run(
                        "make",
                        "-s",
                        "-n",
                        "-C",
                        ROOT.toString(),
                        "uninstall-crd",
                        "CONFIRM=delete-all-raftkv-clusters"))
                .contains("kubectl delete -k config/crd");
    }

    @SuppressWarnings("unchecked")
    private static List<String> verbs(List<Map<String, Object>> rules, String group, String resource) {
        return rules.stream()
                .filter(r -> ((List<String>) r.get("apiGroups")).contains(group)
                        && ((List<String>) r.get("resources")).contains(resource))
                .flatMap(r -> ((List<String>) r.get("verbs")).stream())
                .toList();
    }

    private static Object numbersNormalized(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<Object, Object> out = new java.util.TreeMap<>();
            map.forEach((k, v) -> out.put(k, numbersNormalized(v)));
            return out;
        } else if (node instanceof List<?> list) {
            return list.stream().map(PackagingTest::numbersNormalized).toList();
        } else if (node instanceof Number number) {
            return new java.math.BigDecimal(number.toString()).stripTrailingZeros();
        }
        return node;
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", command), out).isZero();
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void collectUndocumented(String path, Map<String, Object> node, List<String> out) {
        if (!path.equals("spec") && !path.equals("status") && !node.containsKey("description")) {
            out.add(path);
        }
        Map<String, Object> properties = (Map<String, Object>) node.get("properties");
        if (properties == null && node.get("items") instanceof Map<?, ?> items) {
            properties = (Map<String, Object>) ((Map<String, Object>) items).get("properties");
        }
        if (properties != null) {
            properties.forEach(
                    (name, child) -> collectUndocumented(path + "." + name, (Map<String, Object>) child, out));
        }
    }

    static String kubectlKustomize(String dir) throws Exception {
        Process p = new ProcessBuilder("kubectl", "kustomize", ROOT.resolve(dir).toString())
                .redirectErrorStream(true)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS))
                .as("kubectl kustomize finished")
                .isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("kubectl kustomize %s: %s", dir, text).isZero();
        return text;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> documents(String yaml) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (var it = YAML.readerFor(Map.class).<Map<String, Object>>readValues(yaml)) {
            while (it.hasNext()) {
                Map<String, Object> doc = it.next();
                if (doc != null && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    static Map<String, Object> byKind(List<Map<String, Object>> objects, String kind) {
        return objects.stream()
                .filter(o -> kind.equals(o.get("kind")))
                .findFirst()
                .orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static Object at(Map<String, Object> map, String... path) {
        Object node = map;
        for (String key : path) {
            node = ((Map<String, Object>) node).get(key);
        }
        return node;
    }
}
