package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** Where a backup is stored: exactly one of {@code pvc} and {@code s3}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.pvc) != has(self.s3)", message = "target needs exactly one of pvc and s3")
public class BackupTarget {

    @JsonPropertyDescription("A PersistentVolumeClaim (ReadWriteOnce is enough: the backup Job"
            + " mounts it while it runs); the snapshot is written to <path>/<backup name>.snap.")
    public PvcTarget pvc;

    @JsonPropertyDescription("An S3-compatible object store; the snapshot is uploaded in parts to"
            + " s3://<bucket>/<prefix><backup name>.snap with its SHA-256 beside it (<key>.sha256).")
    public S3Target s3;

    /** The PVC target. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class PvcTarget {
        @JsonPropertyDescription(
                "Name of the PersistentVolumeClaim, in the backup's namespace." + " Default: <clusterName>-backups.")
        public String claimName;

        @ValidationRule(
                value = "!self.startsWith('/') && !self.matches('(^|/)[.][.](/|$)')",
                message = "pvc.path must be relative and must not contain '..'")
        @JsonPropertyDescription("Directory inside the volume (relative, no '..'); the volume's root when empty.")
        public String path;
    }

    /** The S3 target. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class S3Target {
        @JsonPropertyDescription("Endpoint URL of an S3-compatible store (e.g. http://minio.storage:9000);"
                + " AWS S3 of the region when unset.")
        public String endpoint;

        @io.fabric8.generator.annotation.Required
        @JsonPropertyDescription("Bucket name; it must exist.")
        public String bucket;

        @JsonPropertyDescription("Key prefix, e.g. raftkv/prod/ (a trailing / makes it a folder).")
        public String prefix;

        @io.fabric8.generator.annotation.Default("us-east-1")
        @JsonPropertyDescription("Region to sign requests for.")
        public String region = "us-east-1";

        @io.fabric8.generator.annotation.Default("true")
        @JsonPropertyDescription("Path-style URLs (<endpoint>/<bucket>/<key>), as most S3-compatible"
                + " stores want; false for virtual-hosted style (<bucket>.<endpoint>).")
        public Boolean forcePathStyle = Boolean.TRUE;

        @io.fabric8.generator.annotation.Required
        @JsonPropertyDescription("Secret (same namespace) holding the access key.")
        public CredentialsSecret credentialsSecret;

        @JsonPropertyDescription("CA certificates (PEM) to trust for an https endpoint whose certificate a"
                + " private CA signed, instead of the image's default CAs; restores from this backup use"
                + " them too.")
        public CaBundleSource caBundle;
    }

    /** A Secret with an access key id and secret access key. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class CredentialsSecret {
        @io.fabric8.generator.annotation.Required
        @JsonPropertyDescription("Secret name.")
        public String name;

        @io.fabric8.generator.annotation.Default("AWS_ACCESS_KEY_ID")
        @JsonPropertyDescription("Key of the access key id in the Secret.")
        public String accessKeyIdKey = "AWS_ACCESS_KEY_ID";

        @io.fabric8.generator.annotation.Default("AWS_SECRET_ACCESS_KEY")
        @JsonPropertyDescription("Key of the secret access key in the Secret.")
        public String secretAccessKeyKey = "AWS_SECRET_ACCESS_KEY";
    }
}
