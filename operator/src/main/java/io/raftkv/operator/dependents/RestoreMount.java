package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.Optional;

/**
 * The pod contract of a restore ({@code spec.restore}): the backup's PersistentVolumeClaim mounted
 * read-only at {@value #MOUNT_PATH}, and {@code RAFTKV_RESTORE_FROM} (the file in it) with
 * {@code RAFTKV_RESTORE_SHA256}. Only pod 0 of a cluster created with {@code RAFTKV_REPLICAS=1}
 * acts on them (the node's {@code --restore-from}); the operator removes them from the template once
 * the restored member leads.
 *
 * <p>From an object store ({@link #s3} set): {@value #MOUNT_PATH} is an {@code emptyDir}, and the
 * init container {@value #FETCH_CONTAINER} (the node image's raftkvctl: {@code snapshot fetch
 * URL FILE}) copies the object into it, verified against its stored {@code .sha256} and
 * {@code RAFTKV_RESTORE_SHA256}, before the node starts; the node then restores the local file as
 * above. The credentials reach only the init container (secretKeyRef); the emptyDir needs room for
 * the backup on the node's ephemeral storage.
 *
 * @param claimName the PersistentVolumeClaim holding the snapshot file (null for an object)
 * @param path      the file's path inside that volume (relative)
 * @param sha256    the file's expected SHA-256 (hex), or empty
 * @param s3        the object to fetch first, or null
 */
public record RestoreMount(String claimName, String path, String sha256, S3Object s3) {

    public static final String FETCH_CONTAINER = "restore-fetch";
    /** Where the init container puts the object (inside {@value #MOUNT_PATH}). */
    public static final String FETCHED_FILE = "backup.snap";

    static final String ENV_URL = "RAFTKV_RESTORE_URL";
    static final String ENV_PATH_STYLE = "RAFTKV_RESTORE_S3_PATH_STYLE";
    static final String CLASSPATH = "/app/raftkvctl.jar:/app/raftkv-node.jar";
    static final String CLI_MAIN = "io.raftkv.cli.RaftKvCtl";

    /**
     * An object to restore: {@code url} = {@code s3://bucket/key}; {@code endpoint}/{@code region}
     * literal, or (when null) read from the credentials Secret's optional keys {@code endpoint} and
     * {@code region}; the access keys from {@code secretName}'s keys; {@code ca} the CA bundle to
     * trust for an https endpoint, or null for the image's default CAs.
     */
    public record S3Object(
            String url,
            String endpoint,
            String region,
            boolean pathStyle,
            String secretName,
            String accessKeyIdKey,
            String secretAccessKeyKey,
            S3CaBundle ca) {}

    public RestoreMount(String claimName, String path, String sha256) {
        this(claimName, path, sha256, null);
    }

    /** A restore from an object, fetched by the init container first. */
    public static RestoreMount fromS3(S3Object s3, String sha256) {
        return new RestoreMount(null, FETCHED_FILE, sha256 == null ? "" : sha256, s3);
    }

    public static final String VOLUME = "restore-source";
    public static final String MOUNT_PATH = "/var/lib/raftkv-restore";
    public static final String ENV_RESTORE_FROM = "RAFTKV_RESTORE_FROM";
    public static final String ENV_RESTORE_SHA256 = "RAFTKV_RESTORE_SHA256";

    /** {@code pvc://<claim>/<path>}, as a RaftKvBackup's {@code status.location} writes it, or the object's URL. */
    public String location() {
        return s3 != null ? s3.url() : "pvc://" + claimName + "/" + path;
    }

    /** Adds the volume, its mount and the environment to the node container of {@code template}. */
    void applyTo(PodTemplateSpec template) {
        Volume volume = s3 != null
                ? new VolumeBuilder()
                        .withName(VOLUME)
                        .withNewEmptyDir()
                        .endEmptyDir()
                        .build()
                : new VolumeBuilder()
                        .withName(VOLUME)
                        .withNewPersistentVolumeClaim()
                        .withClaimName(claimName)
                        .withReadOnly(true)
                        .endPersistentVolumeClaim()
                        .build();
        var volumes = new ArrayList<>(
                Optional.ofNullable(template.getSpec().getVolumes()).orElse(java.util.List.of()));
        volumes.add(volume);
        if (s3 != null && s3.ca() != null) {
            volumes.add(s3.ca().volume());
        }
        template.getSpec().setVolumes(volumes);
        for (Container c : template.getSpec().getContainers()) {
            if (!NodePodTemplate.CONTAINER_NAME.equals(c.getName())) {
                continue;
            }
            if (s3 != null) {
                var inits =
                        new ArrayList<>(Optional.ofNullable(template.getSpec().getInitContainers())
                                .orElse(java.util.List.of()));
                inits.add(RestoreFetch.container(this, c));
                template.getSpec().setInitContainers(inits);
            }
            c.getVolumeMounts()
                    .add(new VolumeMountBuilder()
                            .withName(VOLUME)
                            .withMountPath(MOUNT_PATH)
                            .withReadOnly(true)
                            .build());
            c.getEnv().add(env(ENV_RESTORE_FROM, MOUNT_PATH + "/" + path));
            if (!sha256.isEmpty()) {
                c.getEnv().add(env(ENV_RESTORE_SHA256, sha256));
            }
        }
    }

    /** The restore an existing StatefulSet's template carries, if any. */
    public static Optional<RestoreMount> of(StatefulSet sts) {
        var spec = sts.getSpec().getTemplate().getSpec();
        Optional<Container> fetch = Optional.ofNullable(spec.getInitContainers()).orElse(java.util.List.of()).stream()
                .filter(c -> FETCH_CONTAINER.equals(c.getName()))
                .findFirst();
        if (fetch.isPresent()) {
            return RestoreFetch.parse(fetch.get(), spec.getVolumes());
        }
        Optional<String> claim = Optional.ofNullable(spec.getVolumes()).orElse(java.util.List.of()).stream()
                .filter(v -> VOLUME.equals(v.getName()) && v.getPersistentVolumeClaim() != null)
                .map(v -> v.getPersistentVolumeClaim().getClaimName())
                .findFirst();
        Optional<Container> node = spec.getContainers().stream()
                .filter(c -> NodePodTemplate.CONTAINER_NAME.equals(c.getName()))
                .findFirst();
        Optional<String> from = node.flatMap(c -> envValue(c, ENV_RESTORE_FROM));
        if (claim.isEmpty() || from.isEmpty() || !from.get().startsWith(MOUNT_PATH + "/")) {
            return Optional.empty();
        }
        return Optional.of(new RestoreMount(
                claim.get(),
                from.get().substring(MOUNT_PATH.length() + 1),
                node.flatMap(c -> envValue(c, ENV_RESTORE_SHA256)).orElse("")));
    }

    private static Optional<String> envValue(Container c, String name) {
        return Optional.ofNullable(c.getEnv()).orElse(java.util.List.of()).stream()
                .filter(e -> name.equals(e.getName()))
                .map(EnvVar::getValue)
                .findFirst();
    }

    private static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }
}
