package io.raftkv.operator.security;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Secrets as the operator writes and reads them: text values, base64 in {@code data}. */
public final class SecretData {

    public static final String TYPE_OPAQUE = "Opaque";
    public static final String TYPE_TLS = "kubernetes.io/tls";

    private SecretData() {}

    /** An owned Secret {@code name} holding {@code text} (key → text), keys sorted. */
    public static Secret secret(RaftKvCluster cluster, String name, String type, Map<String, String> text) {
        Map<String, String> data = new TreeMap<>();
        text.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return new SecretBuilder()
                .withMetadata(ClusterObjects.metadata(cluster, name))
                .withType(type)
                .withImmutable(false)
                .withData(data)
                .build();
    }

    /** The text values of {@code secret} ({@code data} decoded, {@code stringData} over it). */
    public static Map<String, String> text(Optional<Secret> secret) {
        Map<String, String> text = new TreeMap<>();
        secret.ifPresent(s -> {
            if (s.getData() != null) {
                s.getData()
                        .forEach((k, v) ->
                                text.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
            }
            if (s.getStringData() != null) {
                text.putAll(s.getStringData());
            }
        });
        return text;
    }
}
