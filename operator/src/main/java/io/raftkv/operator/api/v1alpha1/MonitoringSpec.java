package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Scraping of this cluster's pods by a Prometheus Operator: with {@code enabled}, the operator
 * keeps a PodMonitor for the cluster's pods (when the monitoring.coreos.com CRDs are installed;
 * without them it creates nothing and reports nothing wrong).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MonitoringSpec {

    @Default("false")
    @JsonPropertyDescription("Create a PodMonitor (monitoring.coreos.com/v1) scraping /metrics of"
            + " every member, when the Prometheus Operator's CRDs exist.")
    private Boolean enabled = false;

    @Default("30s")
    @Pattern("^[0-9]+(ms|s|m|h)$")
    @JsonPropertyDescription("Scrape interval of the PodMonitor, a Prometheus duration such as 15s.")
    private String interval = "30s";

    @JsonPropertyDescription("Extra labels on the PodMonitor, for a Prometheus that selects"
            + " monitors by label (for example release: kube-prometheus-stack).")
    private Map<String, String> labels = new LinkedHashMap<>();

    public Boolean getEnabled() {
        return enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    public String getInterval() {
        return interval;
    }

    public void setInterval(String interval) {
        this.interval = interval;
    }

    public Map<String, String> getLabels() {
        return labels;
    }

    public void setLabels(Map<String, String> labels) {
        this.labels = labels;
    }
}
