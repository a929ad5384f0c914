package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The init container of a restore from an object store ({@link RestoreMount#s3()}): raftkvctl from
 * the node image copies the object into the restore volume before the node starts —
 *
 * <pre>
 * java -cp /app/raftkvctl.jar:/app/raftkv-node.jar io.raftkv.cli.RaftKvCtl snapshot fetch
 *   $(RAFTKV_RESTORE_URL) /var/lib/raftkv-restore/backup.snap --s3-path-style $(RAFTKV_RESTORE_S3_PATH_STYLE)
 *   [--sha256 $(RAFTKV_RESTORE_SHA256)] [--s3-ca-file /etc/raftkv/s3-ca/ca.crt]
 * </pre>
 *
 * with the access keys as {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY} from the Secret,
 * the endpoint and region as {@code AWS_ENDPOINT_URL}/{@code AWS_REGION} (literal, or the Secret's
 * optional keys {@code endpoint}/{@code region}), and the CA bundle of an https store mounted
 * ({@link S3CaBundle}) when the restore names one. Its exit code says what went wrong: 3 the object
 * does not exist, 10 its SHA-256 does not match, 11 the TLS handshake failed (CA), other non-zero: it could not be read. Everything
 * the container needs is in its env, so {@link #parse} reads the restore back from an existing
 * StatefulSet exactly.
 */
final class RestoreFetch {

    private RestoreFetch() {}

    static Container container(RestoreMount mount, Container node) {
        RestoreMount.S3Object s3 = mount.s3();
        List<EnvVar> env = new ArrayList<>();
        env.add(plain(RestoreMount.ENV_URL, s3.url()));
        env.add(plain(RestoreMount.ENV_PATH_STYLE, String.valueOf(s3.pathStyle())));
        List<String> args = new ArrayList<>(List.of(
                "-cp",
                RestoreMount.CLASSPATH,
                RestoreMount.CLI_MAIN,
                "snapshot",
                "fetch",
                "$(" + RestoreMount.ENV_URL + ")",
                RestoreMount.MOUNT_PATH + "/" + mount.path(),
                "--s3-path-style",
                "$(" + RestoreMount.ENV_PATH_STYLE + ")"));
        if (!mount.sha256().isEmpty()) {
            env.add(plain(RestoreMount.ENV_RESTORE_SHA256, mount.sha256()));
            args.addAll(List.of("--sha256", "$(" + RestoreMount.ENV_RESTORE_SHA256 + ")"));
        }
        if (s3.ca() != null) {
            args.addAll(s3.ca().args());
        }
        env.add(secretRef("AWS_ACCESS_KEY_ID", s3.secretName(), s3.accessKeyIdKey(), false));
        env.add(secretRef("AWS_SECRET_ACCESS_KEY", s3.secretName(), s3.secretAccessKeyKey(), false));
        env.add(
                s3.endpoint() != null
                        ? plain("AWS_ENDPOINT_URL", s3.endpoint())
                        : secretRef("AWS_ENDPOINT_URL", s3.secretName(), "endpoint", true));
        env.add(
                s3.region() != null
                        ? plain("AWS_REGION", s3.region())
                        : secretRef("AWS_REGION", s3.secretName(), "region", true));
        List<io.fabric8.kubernetes.api.model.VolumeMount> mounts = new ArrayList<>();
        mounts.add(new VolumeMountBuilder()
                .withName(RestoreMount.VOLUME)
                .withMountPath(RestoreMount.MOUNT_PATH)
                .build());
        if (s3.ca() != null) {
            mounts.add(s3.ca().mount());
        }
        // the root filesystem is read-only: the JVM gets the node container's /tmp
        Optional.ofNullable(node.getVolumeMounts()).orElse(List.of()).stream()
                .filter(m -> "/tmp".equals(m.getMountPath()))
                .forEach(mounts::add);
        return new ContainerBuilder()
                .withName(RestoreMount.FETCH_CONTAINER)
                .withImage(node.getImage())
                .withImagePullPolicy(node.getImagePullPolicy())
                .withCommand("java")
                .withArgs(args)
                .withEnv(env)
                .withVolumeMounts(mounts)
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withNewResources()
                .withRequests(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("256Mi")))
                .withLimits(Map.of("memory", new Quantity("512Mi")))
                .endResources()
                .withSecurityContext(node.getSecurityContext())
                .build();
    }

    /** The restore an existing init container carries. */
    static Optional<RestoreMount> parse(Container fetch, List<io.fabric8.kubernetes.api.model.Volume> volumes) {
        Map<String, EnvVar> env = new java.util.HashMap<>();
        Optional.ofNullable(fetch.getEnv()).orElse(List.of()).forEach(e -> env.put(e.getName(), e));
        EnvVar url = env.get(RestoreMount.ENV_URL);
        EnvVar key = env.get("AWS_ACCESS_KEY_ID");
        EnvVar secret = env.get("AWS_SECRET_ACCESS_KEY");
        if (url == null
                || key == null
                || secret == null
                || key.getValueFrom() == null
                || secret.getValueFrom() == null) {
            return Optional.empty();
        }
        var keyRef = key.getValueFrom().getSecretKeyRef();
        var secretRef = secret.getValueFrom().getSecretKeyRef();
        RestoreMount.S3Object s3 = new RestoreMount.S3Object(
                url.getValue(),
                literal(env.get("AWS_ENDPOINT_URL")),
                literal(env.get("AWS_REGION")),
                !"false".equals(literal(env.get(RestoreMount.ENV_PATH_STYLE))),
                keyRef.getName(),
                keyRef.getKey(),
                secretRef.getKey(),
                S3CaBundle.of(volumes).orElse(null));
        return Optional.of(RestoreMount.fromS3(s3, literal(env.get(RestoreMount.ENV_RESTORE_SHA256))));
    }

    private static String literal(EnvVar e) {
        return e == null || e.getValueFrom() != null ? null : e.getValue();
    }

    private static EnvVar plain(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static EnvVar secretRef(String name, String secret, String key, boolean optional) {
        return new EnvVarBuilder()
                .withName(name)
                .withNewValueFrom()
                .withNewSecretKeyRef(key, secret, optional)
                .endValueFrom()
                .build();
    }
}
