package io.raftkv.e2e.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a pod's container becomes as a local process: its environment, its volumes as
 * directories and its JVM flags — the translation from the pod template to loopback.
 *
 * <ul>
 *   <li>{@code env}: the container's variables, downward-API field references resolved
 *       ({@code metadata.name}, {@code metadata.namespace}, {@code metadata.uid},
 *       {@code status.podIP}, {@code spec.nodeName}; anything else fails clearly); every value
 *       equal to or under a mount path rewritten to the local directory, so
 *       {@code RAFTKV_DATA_DIR=/var/lib/raftkv} names the claim's directory;</li>
 *   <li>added: {@code RAFTKV_CLIENT_ADDR}/{@code RAFTKV_PEER_ADDR} = the pod's address and the
 *       container's named ports {@code client}/{@code peer} (a pod binds its own network
 *       namespace; here it binds its own loopback address), {@code KUBERNETES_MASTER} and the
 *       variables that keep Fabric8 from reading this machine's kubeconfig;</li>
 *   <li>volumes: a claim template's volume → the claim's directory (kept across pod restarts);
 *       an {@code emptyDir} → a directory of this pod incarnation; a {@code secret} → a
 *       directory of this pod incarnation holding one file per key, kept up to date by the
 *       kubelet loop ({@link SecretFiles}); the pod waits until the Secret exists; other kinds
 *       are refused;</li>
 *   <li>{@code $(NAME)} in a value expands to an earlier variable, as in Kubernetes;</li>
 *   <li>the container's {@code terminationMessagePath} (default {@value #TERMINATION_MESSAGE_PATH})
 *       → a file of this pod incarnation, read by the kubelet when the container exits (also
 *       given as {@code RAFTKV_TERMINATION_LOG}, where the node writes why it stopped);</li>
 *   <li>a container with a {@code command} (a Job's: {@code java -cp /app/raftkvctl.jar:...}) runs
 *       that command ({@link #command}): {@code java} is this JVM's binary, files of the image are
 *       the local builds they stand for, paths under mounts are rewritten as in {@code env}.</li>
 * </ul>
 */
record PodEnvironment(
        Map<String, String> env,
        Map<String, Path> mounts,
        List<String> claims,
        String image,
        int clientPort,
        int probePort,
        Path dataDir,
        Map<Path, String> secretDirs,
        Path terminationLog,
        String terminationMessagePath) {

    static final String DATA_DIR_VARIABLE = "RAFTKV_DATA_DIR";
    static final String TERMINATION_MESSAGE_PATH = "/dev/termination-log";

    /**
     * @param claimDir where the directory of a claim (by name) lives
     * @throws IllegalStateException for a volume kind or field reference it cannot simulate
     */
    static PodEnvironment of(
            StatefulSet sts,
            Pod pod,
            String ip,
            Path podDir,
            Function<String, Path> claimDir,
            String masterUrl,
            Function<String, Optional<Secret>> secrets) {
        int ordinal = StatefulSetRules.ordinalOf(sts, pod.getMetadata().getName());
        return of(
                StatefulSetRules.claims(sts, ordinal),
                pod,
                pod.getSpec().getContainers().get(0),
                ip,
                podDir,
                claimDir,
                masterUrl,
                secrets);
    }

    /**
     * One container of a pod: a Job's (no claim templates: claims only by name), or an init
     * container.
     *
     * @param claimsByTemplate the pod's volumes that stand for its StatefulSet's claim templates
     */
    static PodEnvironment of(
            Map<String, PersistentVolumeClaim> claimsByTemplate,
            Pod pod,
            Container container,
            String ip,
            Path podDir,
            Function<String, Path> claimDir,
            String masterUrl,
            Function<String, Optional<Secret>> secrets) {
        Map<String, Volume> volumesByName = new HashMap<>();
        Optional.ofNullable(pod.getSpec().getVolumes())
                .orElse(List.of())
                .forEach(v -> volumesByName.put(v.getName(), v));
        Map<String, Path> mounts = new LinkedHashMap<>();
        Map<Path, String> secretDirs = new LinkedHashMap<>();
        List<String> claims = new ArrayList<>();
        for (VolumeMount m : Optional.ofNullable(container.getVolumeMounts()).orElse(List.of())) {
            Path dir;
            if (claimsByTemplate.containsKey(m.getName())) {
                String claim = claimsByTemplate.get(m.getName()).getMetadata().getName();
                dir = claimDir.apply(claim);
                claims.add(claim);
            } else if (volumesByName.containsKey(m.getName())
                    && volumesByName.get(m.getName()).getEmptyDir() != null) {
                dir = podDir.resolve("volumes").resolve(m.getName());
            } else if (volumesByName.containsKey(m.getName())
                    && volumesByName.get(m.getName()).getSecret() != null) {
                // like the kubelet: the container does not start before its Secret exists
                String secret = volumesByName.get(m.getName()).getSecret().getSecretName();
                Secret found = secrets.apply(secret)
                        .orElseThrow(() -> new IllegalStateException("pod "
                                + pod.getMetadata().getName() + ": Secret " + secret + " of volume '" + m.getName()
                                + "' does not exist yet"));
                dir = podDir.resolve("volumes").resolve(m.getName());
                SecretFiles.write(dir, found);
                secretDirs.put(dir, secret);
            } else if (volumesByName.containsKey(m.getName())
                    && volumesByName.get(m.getName()).getPersistentVolumeClaim() != null) {
                // a claim by name (e.g. a backup volume mounted for a restore): the claim's
                // directory, not tracked as this pod's own volume
                dir = claimDir.apply(volumesByName
                        .get(m.getName())
                        .getPersistentVolumeClaim()
                        .getClaimName());
            } else {
                throw new IllegalStateException("pod " + pod.getMetadata().getName() + ": volume '"
                        + m.getName() + "' is neither a claim template, a claim, an emptyDir nor a Secret; the"
                        + " simulated kubelet supports only those");
            }
            createDirectories(dir);
            mounts.put(m.getMountPath(), dir);
        }
        createDirectories(podDir.resolve("tmp"));
        int clientPort = port(container, "client", PodNetwork.CLIENT_PORT);
        int peerPort = port(container, "peer", PodNetwork.PEER_PORT);
        int probePort = port(container, "probe", clientPort);
        String terminationPath =
                Objects.requireNonNullElse(container.getTerminationMessagePath(), TERMINATION_MESSAGE_PATH);
        Path terminationLog = podDir.resolve("termination-log-" + container.getName());
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
            String value = envValue(e, pod, ip, secrets);
            if (value != null) { // null: an optional secretKeyRef whose Secret or key is absent
                env.put(e.getName(), rewritePaths(expand(value, env), mounts));
            }
        }
        env.put("RAFTKV_CLIENT_ADDR", ip + ":" + clientPort);
        env.put("RAFTKV_PEER_ADDR", ip + ":" + peerPort);
        env.put("KUBERNETES_MASTER", masterUrl);
        env.put("KUBERNETES_NAMESPACE", pod.getMetadata().getNamespace());
        env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        env.put("HOME", podDir.toString());
        // where /dev/termination-log would be: the node writes why it stopped there
        env.put("RAFTKV_TERMINATION_LOG", terminationLog.toString());
        Path dataDir = Path.of(
                env.getOrDefault(DATA_DIR_VARIABLE, podDir.resolve("data").toString()));
        return new PodEnvironment(
                Map.copyOf(env),
                Map.copyOf(mounts),
                List.copyOf(claims),
                container.getImage(),
                clientPort,
                probePort,
                dataDir,
                Map.copyOf(secretDirs),
                terminationLog,
                terminationPath);
    }

    /**
     * The container's {@code command} + {@code args} as a local command line: {@code java} → this
     * JVM's binary with {@code jvmArgs} (and {@link #jvmArgs}) after it; each argument (each element
     * of a {@code :}-separated class path) that names a file of the image → the local file in
     * {@code imageFiles}; paths under mounts → their directories; the termination message path →
     * {@link #terminationLog}. {@code $(NAME)} expands to the container's variables.
     *
     * @throws IllegalStateException when the container has no command, or names an image file that
     *     {@code imageFiles} does not map
     */
    List<String> command(Container container, Map<String, Path> imageFiles, List<String> jvmArgs, Path hostsFile) {
        List<String> cmd = Optional.ofNullable(container.getCommand()).orElse(List.of());
        if (cmd.isEmpty()) {
            throw new IllegalStateException("container " + container.getName() + " has no command: the simulated"
                    + " kubelet runs only the node image's entry point or an explicit command");
        }
        List<String> out = new ArrayList<>();
        if (!"java".equals(cmd.get(0))) {
            throw new IllegalStateException("container " + container.getName() + ": command " + cmd.get(0)
                    + " is not 'java', the only program of the node image the simulated kubelet runs");
        }
        out.add(JvmProcess.javaBinary());
        out.addAll(jvmArgs);
        out.addAll(jvmArgs(hostsFile));
        List<String> rest = new ArrayList<>(cmd.subList(1, cmd.size()));
        rest.addAll(Optional.ofNullable(container.getArgs()).orElse(List.of()));
        for (String arg : rest) {
            out.add(localArgument(expand(arg, env), imageFiles));
        }
        return out;
    }

    private String localArgument(String arg, Map<String, Path> imageFiles) {
        if (arg.equals(terminationMessagePath)) {
            return terminationLog.toString();
        }
        if (arg.startsWith("/app/")) {
            List<String> parts = new ArrayList<>();
            for (String element : arg.split(":")) {
                Path local = imageFiles.get(element);
                if (local == null) {
                    throw new IllegalStateException("image file " + element + " has no local build in the simulated"
                            + " kubelet (known: " + imageFiles.keySet() + ")");
                }
                parts.add(local.toAbsolutePath().toString());
            }
            return String.join(":", parts);
        }
        return rewritePaths(arg, mounts);
    }

    /**
     * Kubernetes' dependent environment variables: {@code $(NAME)} is replaced by the value of a
     * variable defined earlier in the list, {@code $$} is a literal {@code $}; a reference to an
     * unknown variable stays as written.
     */
    static String expand(String value, Map<String, String> earlier) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '$' && i + 1 < value.length() && value.charAt(i + 1) == '$') {
                out.append('$');
                i++;
            } else if (c == '$' && i + 1 < value.length() && value.charAt(i + 1) == '(') {
                int end = value.indexOf(')', i + 2);
                String name = end < 0 ? null : value.substring(i + 2, end);
                if (name != null && earlier.containsKey(name)) {
                    out.append(earlier.get(name));
                    i = end;
                } else {
                    out.append(c);
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * JVM flags: DNS through the pod network's hosts file (also for Vert.x, whose own resolver
     * is turned off), no long negative DNS caching, and {@code /tmp} on the pod's emptyDir.
     */
    List<String> jvmArgs(Path hostsFile) {
        return List.of(
                "-Djdk.net.hosts.file=" + hostsFile,
                "-Dvertx.disableDnsResolver=true",
                "-Dsun.net.inetaddr.negative.ttl=1",
                "-Djava.io.tmpdir=" + mounts.getOrDefault("/tmp", Path.of(env.get("HOME"), "tmp")));
    }

    private static String envValue(EnvVar e, Pod pod, String ip, Function<String, Optional<Secret>> secrets) {
        if (e.getValueFrom() == null) {
            return Objects.requireNonNullElse(e.getValue(), "");
        }
        if (e.getValueFrom().getSecretKeyRef() != null) {
            // like the kubelet: the container does not start before the Secret and its key exist
            var ref = e.getValueFrom().getSecretKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            Optional<Secret> found = secrets.apply(ref.getName());
            if (found.isEmpty() && optional) {
                return null;
            }
            Secret secret = found.orElseThrow(
                    () -> new IllegalStateException("pod " + pod.getMetadata().getName() + ": Secret " + ref.getName()
                            + " of env " + e.getName() + " does not exist yet"));
            if (secret.getData() != null && secret.getData().containsKey(ref.getKey())) {
                return new String(
                        java.util.Base64.getDecoder().decode(secret.getData().get(ref.getKey())),
                        java.nio.charset.StandardCharsets.UTF_8);
            }
            if (secret.getStringData() != null && secret.getStringData().containsKey(ref.getKey())) {
                return secret.getStringData().get(ref.getKey());
            }
            if (optional) {
                return null;
            }
            throw new IllegalStateException("pod " + pod.getMetadata().getName() + ": Secret " + ref.getName()
                    + " has no key " + ref.getKey() + " (env " + e.getName() + ")");
        }
        if (e.getValueFrom().getFieldRef() == null) {
            throw new IllegalStateException(
                    "env " + e.getName() + ": only fieldRef and secretKeyRef are supported by the"
                            + " simulated kubelet, got " + e.getValueFrom());
        }
        String path = e.getValueFrom().getFieldRef().getFieldPath();
        return switch (path) {
            case "metadata.name" -> pod.getMetadata().getName();
            case "metadata.namespace" -> pod.getMetadata().getNamespace();
            case "metadata.uid" -> pod.getMetadata().getUid();
            case "status.podIP" -> ip;
            case "spec.nodeName" -> "simulated-node";
            default ->
                throw new IllegalStateException(
                        "env " + e.getName() + ": field " + path + " is not supported by the simulated kubelet");
        };
    }

    private static String rewritePaths(String value, Map<String, Path> mounts) {
        for (var m : mounts.entrySet()) {
            if (value.equals(m.getKey()) || value.startsWith(m.getKey() + "/")) {
                return m.getValue() + value.substring(m.getKey().length());
            }
        }
        return value;
    }

    private static int port(Container c, String name, int fallback) {
        return Optional.ofNullable(c.getPorts()).orElse(List.of()).stream()
                .filter(p -> name.equals(p.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst()
                .orElse(fallback);
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }
}
