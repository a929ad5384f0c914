package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Bootstrap a new cluster from a backup (a snapshot file written by {@code raftkvctl snapshot
 * save} or a RaftKvBackup): the first member (pod 0) restores it under a fresh member id before it
 * serves anything, the others join it by membership change and catch up. Exactly one source:
 * {@code backupName}, {@code pvc} or {@code url}. Immutable: a restore happens once, when the
 * cluster is created.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "[has(self.backupName), has(self.pvc), has(self.url)].filter(x, x).size() == 1",
        message = "restore needs exactly one source: backupName, pvc or url")
public class RestoreSpec {

    @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
    @JsonPropertyDescription("A RaftKvBackup in this namespace: its file (status.location, on a PVC or"
            + " in an object store) is restored and its checksum (status.sha256) verified.")
    private String backupName;

    @JsonPropertyDescription("A snapshot file on a PersistentVolumeClaim of this namespace (mounted"
            + " read-only into the pods while the restore runs).")
    private PvcSource pvc;

    @Pattern("^s3://[^/]+/.+$")
    @JsonPropertyDescription("An object-store URL, s3://bucket/key, with credentialsSecret: pod 0's"
            + " restore-fetch init container copies it (verified against key.sha256 and sha256) before the"
            + " node restores it.")
    private String url;

    @JsonPropertyDescription("Secret with the object store's credentials (keys AWS_ACCESS_KEY_ID,"
            + " AWS_SECRET_ACCESS_KEY; optional endpoint and region), for url.")
    private String credentialsSecret;

    @JsonPropertyDescription("CA certificates (PEM) to trust for an https endpoint of url, instead of the"
            + " image's default CAs (a RaftKvBackup's target.s3.caBundle applies to backupName).")
    private CaBundleSource caBundle;

    @Pattern("^[0-9a-f]{64}$")
    @JsonPropertyDescription("Expected SHA-256 of the snapshot file (lower-case hex, as raftkvctl"
            + " snapshot status prints it). The restoring member refuses a file that differs.")
    private String sha256;

    public String getBackupName() {
        return backupName;
    }

    public void setBackupName(String backupName) {
        this.backupName = backupName;
    }

    public PvcSource getPvc() {
        return pvc;
    }

    public void setPvc(PvcSource pvc) {
        this.pvc = pvc;
    }

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public String getCredentialsSecret() {
        return credentialsSecret;
    }

    public void setCredentialsSecret(String credentialsSecret) {
        this.credentialsSecret = credentialsSecret;
    }

    public CaBundleSource getCaBundle() {
        return caBundle;
    }

    public void setCaBundle(CaBundleSource caBundle) {
        this.caBundle = caBundle;
    }

    public String getSha256() {
        return sha256;
    }

    public void setSha256(String sha256) {
        this.sha256 = sha256;
    }

    /** A snapshot file on a PersistentVolumeClaim. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class PvcSource {

        @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
        @JsonPropertyDescription("Name of the PersistentVolumeClaim.")
        private String claimName;

        @Pattern("^[^/].*$")
        @ValidationRule(value = "!self.contains('..')", message = "pvc.path must not contain '..'")
        @JsonPropertyDescription("Path of the snapshot file inside the volume (relative).")
        private String path;

        public PvcSource() {}

        public PvcSource(String claimName, String path) {
            this.claimName = claimName;
            this.path = path;
        }

        public String getClaimName() {
            return claimName;
        }

        public void setClaimName(String claimName) {
            this.claimName = claimName;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }
    }
}
