package io.raftkv.operator;

import static io.raftkv.operator.PackagingTest.byKind;
import static io.raftkv.operator.PackagingTest.documents;
import static io.raftkv.operator.PackagingTest.kubectlKustomize;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The monitoring objects (docs/observability.md) as the chart and the kustomize bases ship them:
 * the PodMonitor selects the node pods by the pod contract's labels and port, the PrometheusRule
 * carries exactly the promtool-tested rules (with the chart's runbook base URL), and the Grafana
 * ConfigMaps carry exactly the generated dashboards.
 */
class MonitoringPackagingTest {

    private static final Path ROOT = TestClusters.repoRoot();
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final String RUNBOOKS = "https://github.com/raftkv/raftkv/blob/main/docs/operations.md";

    @Test
    @SuppressWarnings("unchecked")
    void chartRendersPodMonitorRulesAndDashboardsWhenEnabled() throws Exception {
        Path chart = ROOT.resolve("charts/raftkv-operator");
        List<Map<String, Object>> plain = documents(
                new Helm(chart).template().withName("rkv").withNamespace("ops").call());
        assertThat(plain).extracting(o -> o.get("kind")).doesNotContain("PodMonitor", "PrometheusRule", "ConfigMap");

        List<Map<String, Object>> all = documents(new Helm(chart)
                .template()
                .withName("rkv")
                .withNamespace("ops")
                .set("monitoring.podMonitor.enabled", "true")
                .set("monitoring.prometheusRule.enabled", "true")
                .set("monitoring.prometheusRule.runbookBaseUrl", "https://wiki.example/raftkv.html")
                .set("monitoring.grafanaDashboards.enabled", "true")
                .set("watchNamespaces[0]", "team-a")
                .call());
        Map<String, Object> podMonitor = byKind(all, "PodMonitor");
        assertThat(podMonitor)
                .isEqualTo(withoutMetadataAndNamespaces(
                        documents(kubectlKustomize("config/prometheus")).stream()
                                .filter(o -> "PodMonitor".equals(o.get("kind")))
                                .findFirst()
                                .orElseThrow(),
                        podMonitor));
        assertThat((Map<String, Object>) ((Map<String, Object>) podMonitor.get("spec")).get("namespaceSelector"))
                .isEqualTo(Map.of("matchNames", List.of("team-a")));

        Map<String, Object> rules = YAML.readValue(
                Files.readString(ROOT.resolve("config/prometheus/rules/raftkv.rules.yaml"))
                        .replace(RUNBOOKS, "https://wiki.example/raftkv.html"),
                Map.class);
        assertThat(byKind(all, "PrometheusRule").get("spec")).isEqualTo(rules);
        assertThat(YAML.writeValueAsString(rules)).contains("https://wiki.example/raftkv.html#raftkvmemberdown");

        Map<String, Object> dashboards = byKind(all, "ConfigMap");
        assertThat((Map<String, Object>) ((Map<String, Object>) dashboards.get("metadata")).get("labels"))
                .containsEntry("grafana_dashboard", "1");
        assertThat((Map<String, Object>) dashboards.get("data"))
                .isEqualTo(byKind(documents(kubectlKustomize("config/grafana")), "ConfigMap")
                        .get("data"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void kustomizeRuleMatchesTheTestedRulesAndDashboardsAreThreeValidJsonFiles() throws Exception {
        Map<String, Object> rule = documents(kubectlKustomize("config/prometheus")).stream()
                .filter(o -> "PrometheusRule".equals(o.get("kind")))
                .findFirst()
                .orElseThrow();
        assertThat(rule.get("spec"))
                .isEqualTo(YAML.readValue(
                        ROOT.resolve("config/prometheus/rules/raftkv.rules.yaml")
                                .toFile(),
                        Map.class));
        Map<String, Object> data =
                (Map<String, Object>) byKind(documents(kubectlKustomize("config/grafana")), "ConfigMap")
                        .get("data");
        assertThat(data).containsOnlyKeys("raftkv-cluster.json", "raftkv-node.json", "raftkv-operator.json");
        for (Object json : data.values()) {
            Map<String, Object> board = new ObjectMapper().readValue((String) json, Map.class);
            assertThat((List<Object>) board.get("panels")).isNotEmpty();
        }
    }

    /** {@code expected} with the chart's metadata and namespace selector, to compare the rest. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> withoutMetadataAndNamespaces(
            Map<String, Object> expected, Map<String, Object> actual) throws IOException {
        Map<String, Object> copy = YAML.readValue(YAML.writeValueAsString(expected), Map.class);
        copy.put("metadata", actual.get("metadata"));
        ((Map<String, Object>) copy.get("spec"))
                .put("namespaceSelector", ((Map<String, Object>) actual.get("spec")).get("namespaceSelector"));
        return copy;
    }
}
