package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Where the CA certificates (PEM) that an https object-store endpoint's certificate chains to are
 * kept: a key of a ConfigMap or of a Secret in the same namespace (exactly one). raftkvctl trusts
 * only those certificates for the store ({@code --s3-ca-file}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "has(self.configMap) != has(self.secret)",
        message = "caBundle needs exactly one of configMap and secret")
public class CaBundleSource {

    @JsonPropertyDescription("A ConfigMap key holding the CA bundle (PEM).")
    public KeyRef configMap;

    @JsonPropertyDescription("A Secret key holding the CA bundle (PEM).")
    public KeyRef secret;

    public CaBundleSource() {}

    public static CaBundleSource configMap(String name, String key) {
        CaBundleSource s = new CaBundleSource();
        s.configMap = new KeyRef(name, key);
        return s;
    }

    public static CaBundleSource secret(String name, String key) {
        CaBundleSource s = new CaBundleSource();
        s.secret = new KeyRef(name, key);
        return s;
    }

    /** A key of a ConfigMap or Secret. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class KeyRef {
        @io.fabric8.generator.annotation.Required
        @JsonPropertyDescription("Name of the ConfigMap or Secret, in the same namespace.")
        public String name;

        @io.fabric8.generator.annotation.Default("ca.crt")
        @JsonPropertyDescription("Key of the PEM bundle in it.")
        public String key = "ca.crt";

        public KeyRef() {}

        public KeyRef(String name, String key) {
            this.name = name;
            this.key = key;
        }
    }
}
