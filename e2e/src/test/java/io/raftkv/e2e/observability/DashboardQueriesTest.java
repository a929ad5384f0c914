package io.raftkv.e2e.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DashboardQueriesTest {
    private static final Path ROOT = Files.isDirectory(Path.of("config")) ? Path.of("") : Path.of("..");

    @Test
    void metricNamesSkipFunctionsKeywordsLabelsAndDurations() {
        assertThat(DashboardQueries.metricNames("histogram_quantile(0.99, sum by (pod, le) "
                        + "(rate(raftkv_storage_fsync_duration_seconds_bucket{namespace=~\".*\",le!=\"x\"}[1m])))"))
                .containsExactly("raftkv_storage_fsync_duration_seconds_bucket");
        assertThat(DashboardQueries.metricNames("sum by (namespace, raftkv_cluster) (up{raftkv_cluster!=\"\"})"
                        + " <= floor(max by (namespace, raftkv_cluster) (raftkv_raft_members{role=\"voter\"}) / 2) + 1"
                        + " and on (namespace, raftkv_cluster) max (raftkv_raft_members) > 1"))
                .containsExactly("raftkv_raft_members", "up");
        assertThat(DashboardQueries.metricNames("sum(rate(a_total[5m])) or vector(0)"))
                .containsExactly("a_total");
        assertThat(DashboardQueries.metricNames("disk_free_bytes / disk_total_bytes < 0.10"))
                .containsExactly("disk_free_bytes", "disk_total_bytes");
    }

    @Test
    void everyPanelSubstitutesItsVariablesAndEveryMetricUsedIsDocumented() throws Exception {
        List<DashboardQueries.PanelQuery> panels = DashboardQueries.panels(ROOT.resolve("config/grafana/dashboards"));
        assertThat(panels)
                .hasSizeGreaterThan(40)
                .allSatisfy(p -> assertThat(p.expr()).doesNotContain("$"));
        Set<String> used = new TreeSet<>();
        panels.forEach(p -> used.addAll(DashboardQueries.metricNames(p.expr())));
        DashboardQueries.alertExpressions(ROOT.resolve("config/prometheus/rules/raftkv.rules.yaml"))
                .forEach(e -> used.addAll(DashboardQueries.metricNames(e)));
        String doc = Files.readString(ROOT.resolve("docs/metrics.md"));
        Set<String> undocumented = new TreeSet<>();
        for (String m : used) {
            String base = m.replaceAll("_(bucket|count|sum)$", "");
            if (!m.equals("up")
                    && !doc.contains("`" + m + "`")
                    && !doc.contains("`" + base + "`")
                    && !doc.contains("`" + m.replaceAll("_seconds_sum$", "_seconds") + "`")) {
                undocumented.add(m);
            }
        }
        assertThat(undocumented)
                .as("metrics used by dashboards or alerts but not in docs/metrics.md")
                .isEmpty();
    }
}
