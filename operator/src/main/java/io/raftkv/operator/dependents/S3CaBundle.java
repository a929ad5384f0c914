package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.raftkv.operator.api.v1alpha1.CaBundleSource;
import java.util.List;
import java.util.Optional;

/**
 * The CA bundle of an https object store ({@link CaBundleSource}) as a pod sees it: the ConfigMap's
 * or Secret's key mounted read-only as {@value #FILE}, which raftkvctl is given as
 * {@code --s3-ca-file}. Used by the backup Job and the {@code restore-fetch} init container;
 * {@link #of(List)} reads it back from a pod's volumes.
 *
 * @param secret whether the source is a Secret (else a ConfigMap)
 */
public record S3CaBundle(boolean secret, String name, String key) {
    public static final String VOLUME = "s3-ca";
    public static final String DIR = "/etc/raftkv/s3-ca";
    public static final String FILE = DIR + "/ca.crt";

    /** The bundle a spec names, or null for none. */
    public static S3CaBundle of(CaBundleSource source) {
        if (source == null) {
            return null;
        }
        if (source.secret != null) {
            return new S3CaBundle(true, source.secret.name, keyOrDefault(source.secret.key));
        }
        if (source.configMap != null) {
            return new S3CaBundle(false, source.configMap.name, keyOrDefault(source.configMap.key));
        }
        return null;
    }

    private static String keyOrDefault(String key) {
        return key == null || key.isBlank() ? "ca.crt" : key;
    }

    /** The volume: the one key, as {@code ca.crt}. */
    public Volume volume() {
        VolumeBuilder b = new VolumeBuilder().withName(VOLUME);
        if (secret) {
            return b.withNewSecret()
                    .withSecretName(name)
                    .addNewItem()
                    .withKey(key)
                    .withPath("ca.crt")
                    .endItem()
                    .endSecret()
                    .build();
        }
        return b.withNewConfigMap()
                .withName(name)
                .addNewItem()
                .withKey(key)
                .withPath("ca.crt")
                .endItem()
                .endConfigMap()
                .build();
    }

    public VolumeMount mount() {
        return new VolumeMountBuilder()
                .withName(VOLUME)
                .withMountPath(DIR)
                .withReadOnly(true)
                .build();
    }

    /** raftkvctl's arguments. */
    public List<String> args() {
        return List.of("--s3-ca-file", FILE);
    }

    /** The bundle among a pod's volumes, if any. */
    public static Optional<S3CaBundle> of(List<Volume> volumes) {
        return Optional.ofNullable(volumes).orElse(List.of()).stream()
                .filter(v -> VOLUME.equals(v.getName()))
                .findFirst()
                .flatMap(v -> {
                    if (v.getSecret() != null
                            && v.getSecret().getItems() != null
                            && !v.getSecret().getItems().isEmpty()) {
                        return Optional.of(new S3CaBundle(
                                true,
                                v.getSecret().getSecretName(),
                                v.getSecret().getItems().get(0).getKey()));
                    }
                    if (v.getConfigMap() != null
                            && v.getConfigMap().getItems() != null
                            && !v.getConfigMap().getItems().isEmpty()) {
                        return Optional.of(new S3CaBundle(
                                false,
                                v.getConfigMap().getName(),
                                v.getConfigMap().getItems().get(0).getKey()));
                    }
                    return Optional.empty();
                });
    }
}
