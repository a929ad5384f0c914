package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * TLS on both node ports with certificates from an operator-managed CA (docs/security.md,
 * "On Kubernetes").
 *
 * <p>{@code enabled} has no schema default on purpose: absent means "on" for a new cluster and
 * "as it runs now" for an existing one, so that an operator upgrade never flips a running
 * cluster (members with and without TLS cannot talk to each other).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.renewBeforeDays < self.certificateDays",
        message = "renewBeforeDays must be smaller than certificateDays")
public class TlsSpec {

    public static final int DEFAULT_CERTIFICATE_DAYS = 90;
    public static final int DEFAULT_RENEW_BEFORE_DAYS = 30;

    @JsonPropertyDescription("Mutual TLS between members and TLS on the client port, with"
            + " certificates issued by a CA the operator keeps in the Secret <cluster>-ca. Absent:"
            + " on for a new cluster, unchanged for an existing one. Cannot change once the cluster"
            + " exists.")
    private Boolean enabled;

    @Default("90")
    @Min(1)
    @Max(825)
    @JsonPropertyDescription("Validity of the member, operator and admin certificates, in days.")
    private Integer certificateDays = DEFAULT_CERTIFICATE_DAYS;

    @Default("30")
    @Min(1)
    @Max(824)
    @JsonPropertyDescription("A certificate is renewed this many days before it expires (the"
            + " nodes reload renewed files without a restart).")
    private Integer renewBeforeDays = DEFAULT_RENEW_BEFORE_DAYS;

    @JsonPropertyDescription("A cert-manager Issuer or ClusterIssuer that signs the certificates"
            + " instead of the operator's own CA: the operator creates cert-manager Certificate objects"
            + " (one per member pod, one for itself, one for the admin credential) and serves the"
            + " Secrets cert-manager writes to the pods. Cannot be added to or removed from an existing"
            + " cluster (its CA would change at once).")
    private IssuerRefSpec issuerRef;

    public IssuerRefSpec getIssuerRef() {
        return issuerRef;
    }

    public void setIssuerRef(IssuerRefSpec issuerRef) {
        this.issuerRef = issuerRef;
    }

    public Boolean getEnabled() {
        return enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    public Integer getCertificateDays() {
        return certificateDays;
    }

    public void setCertificateDays(Integer certificateDays) {
        this.certificateDays = certificateDays;
    }

    public Integer getRenewBeforeDays() {
        return renewBeforeDays;
    }

    public void setRenewBeforeDays(Integer renewBeforeDays) {
        this.renewBeforeDays = renewBeforeDays;
    }
}
