package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** What the operator-managed certificates look like now. Written by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TlsStatus {

    @JsonPropertyDescription("When the cluster CA expires (RFC 3339).")
    private String caNotAfter;

    @JsonPropertyDescription("When the soonest member, operator or admin certificate expires"
            + " (RFC 3339). Renewal happens spec.tls.renewBeforeDays earlier.")
    private String certificatesNotAfter;

    @JsonPropertyDescription("Number of member certificates issued (one per pod ordinal).")
    private Integer memberCertificates;

    public String getCaNotAfter() {
        return caNotAfter;
    }

    public void setCaNotAfter(String caNotAfter) {
        this.caNotAfter = caNotAfter;
    }

    public String getCertificatesNotAfter() {
        return certificatesNotAfter;
    }

    public void setCertificatesNotAfter(String certificatesNotAfter) {
        this.certificatesNotAfter = certificatesNotAfter;
    }

    public Integer getMemberCertificates() {
        return memberCertificates;
    }

    public void setMemberCertificates(Integer memberCertificates) {
        this.memberCertificates = memberCertificates;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsStatus t
                && Objects.equals(caNotAfter, t.caNotAfter)
                && Objects.equals(certificatesNotAfter, t.certificatesNotAfter)
                && Objects.equals(memberCertificates, t.memberCertificates);
    }

    @Override
    public int hashCode() {
        return Objects.hash(caNotAfter, certificatesNotAfter, memberCertificates);
    }
}
