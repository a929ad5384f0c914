package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import java.util.Map;

/** The Service that clients use (gRPC and HTTP on port 9090). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClientServiceSpec {

    @Default("ClusterIP")
    @JsonPropertyDescription("Type of the client Service.")
    private ServiceType type = ServiceType.ClusterIP;

    @JsonPropertyDescription("Extra annotations of the client Service (e.g. for a cloud load" + " balancer).")
    private Map<String, String> annotations;

    public ServiceType getType() {
        return type;
    }

    public void setType(ServiceType type) {
        this.type = type;
    }

    public Map<String, String> getAnnotations() {
        return annotations;
    }

    public void setAnnotations(Map<String, String> annotations) {
        this.annotations = annotations;
    }

    /** Kubernetes Service types a client Service may have. */
    public enum ServiceType {
        ClusterIP,
        NodePort,
        LoadBalancer
    }
}
