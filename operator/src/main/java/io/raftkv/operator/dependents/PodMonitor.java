package io.raftkv.operator.dependents;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/**
 * The Prometheus Operator's PodMonitor ({@code monitoring.coreos.com/v1}), reduced to the fields
 * the operator sets; the CRD belongs to the Prometheus Operator and is never generated or
 * installed here.
 */
@Group("monitoring.coreos.com")
@Version("v1")
@Kind("PodMonitor")
@Plural("podmonitors")
public class PodMonitor extends CustomResource<PodMonitor.Spec, Void> implements Namespaced {

    /** {@code spec}: which pods, in which namespaces, scraped how. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Spec {
        public NamespaceSelector namespaceSelector;
        public LabelSelector selector;
        public List<Endpoint> podMetricsEndpoints;
    }

    /** {@code spec.namespaceSelector}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class NamespaceSelector {
        public List<String> matchNames;
    }

    /** One of {@code spec.podMetricsEndpoints}: a named container port and path. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Endpoint {
        public String port;
        public String path;
        public String interval;
        public List<Relabeling> relabelings;
    }

    /** A target relabeling: copy {@code sourceLabels} into {@code targetLabel}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Relabeling {
        public List<String> sourceLabels;
        public String targetLabel;
    }
}
