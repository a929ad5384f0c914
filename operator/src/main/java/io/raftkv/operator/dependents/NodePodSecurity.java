package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.util.ArrayList;

/**
 * The TLS and auth part of the member pod template (the pod contract, docs/architecture.md):
 *
 * <ul>
 *   <li>TLS on: the Secret {@code <cluster>-tls} mounted read-only at {@code /etc/raftkv/tls}
 *       (mode 0440, group fsGroup), {@code RAFTKV_TLS=on},
 *       {@code RAFTKV_TLS_CERT=/etc/raftkv/tls/$(POD_NAME).crt},
 *       {@code RAFTKV_TLS_KEY=/etc/raftkv/tls/$(POD_NAME).key},
 *       {@code RAFTKV_TLS_CA=/etc/raftkv/tls/ca.crt};</li>
 *   <li>auth on: the Secret {@code <cluster>-auth} at {@code /etc/raftkv/auth},
 *       {@code RAFTKV_AUTH=on}, {@code RAFTKV_AUTH_ROLES} and {@code RAFTKV_AUTH_TOKENS}
 *       naming its two files.</li>
 * </ul>
 *
 * <p>Only the Secrets' names are in the template, never their contents, so renewing a
 * certificate or adding a token changes no template and restarts no pod: the kubelet updates
 * the mounted files and the nodes reload them.
 */
public final class NodePodSecurity {

    /** Read for owner and group (the pod's fsGroup), nothing for others. */
    static final int SECRET_MODE = 0440;

    private NodePodSecurity() {}

    /** Adds the volumes, mounts and environment for {@code tls} and {@code auth}. */
    public static void apply(
            PodTemplateSpec template, RaftKvCluster cluster, String container, boolean tls, boolean auth) {
        if (!tls && !auth) {
            return;
        }
        Container node = template.getSpec().getContainers().stream()
                .filter(c -> container.equals(c.getName()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no container " + container));
        if (node.getEnv() == null) {
            node.setEnv(new ArrayList<>());
        }
        if (node.getVolumeMounts() == null) {
            node.setVolumeMounts(new ArrayList<>());
        }
        if (template.getSpec().getVolumes() == null) {
            template.getSpec().setVolumes(new ArrayList<>());
        }
        if (tls) {
            mount(
                    template,
                    node,
                    ClusterObjects.TLS_VOLUME,
                    ClusterObjects.memberSecretName(cluster),
                    ClusterObjects.TLS_DIR);
            env(node, ClusterObjects.ENV_TLS, "on");
            env(node, "RAFTKV_TLS_CERT", ClusterObjects.TLS_DIR + "/$(POD_NAME).crt");
            env(node, "RAFTKV_TLS_KEY", ClusterObjects.TLS_DIR + "/$(POD_NAME).key");
            env(node, "RAFTKV_TLS_CA", ClusterObjects.TLS_DIR + "/" + ClusterObjects.CA_CERT);
        }
        if (auth) {
            mount(
                    template,
                    node,
                    ClusterObjects.AUTH_VOLUME,
                    ClusterObjects.authSecretName(cluster),
                    ClusterObjects.AUTH_DIR);
            env(node, "RAFTKV_AUTH", "on");
            env(node, "RAFTKV_AUTH_ROLES", ClusterObjects.AUTH_DIR + "/" + ClusterObjects.ROLES_FILE);
            env(node, "RAFTKV_AUTH_TOKENS", ClusterObjects.AUTH_DIR + "/" + ClusterObjects.TOKENS_FILE);
        }
    }

    private static void mount(PodTemplateSpec template, Container node, String volume, String secret, String path) {
        template.getSpec()
                .getVolumes()
                .add(new VolumeBuilder()
                        .withName(volume)
                        .withNewSecret()
                        .withSecretName(secret)
                        .withDefaultMode(SECRET_MODE)
                        .endSecret()
                        .build());
        node.getVolumeMounts()
                .add(new VolumeMountBuilder()
                        .withName(volume)
                        .withMountPath(path)
                        .withReadOnly(true)
                        .build());
    }

    private static void env(Container node, String name, String value) {
        node.getEnv().add(new EnvVarBuilder().withName(name).withValue(value).build());
    }
}
