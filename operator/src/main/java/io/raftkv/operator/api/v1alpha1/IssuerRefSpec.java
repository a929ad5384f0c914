package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/**
 * A cert-manager issuer ({@code spec.tls.issuerRef}): the operator creates cert-manager
 * {@code Certificate} objects against it instead of keeping its own CA (docs/security.md,
 * "cert-manager").
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IssuerRefSpec {

    public static final String DEFAULT_KIND = "Issuer";
    public static final String DEFAULT_GROUP = "cert-manager.io";

    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
    @JsonPropertyDescription("Name of the issuer (an Issuer in the cluster's namespace, or a ClusterIssuer).")
    private String name;

    @Default(DEFAULT_KIND)
    @JsonPropertyDescription("Issuer or ClusterIssuer (or an external issuer's kind).")
    private String kind = DEFAULT_KIND;

    @Default(DEFAULT_GROUP)
    @JsonPropertyDescription("API group of the issuer: cert-manager.io, or an external issuer's group.")
    private String group = DEFAULT_GROUP;

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    public String getGroup() {
        return group;
    }

    public void setGroup(String group) {
        this.group = group;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IssuerRefSpec r
                && Objects.equals(name, r.name)
                && Objects.equals(kind, r.kind)
                && Objects.equals(group, r.group);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kind, group);
    }

    @Override
    public String toString() {
        return kind + "/" + name + " (" + group + ")";
    }
}
