package io.raftkv.e2e.k8s;

import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Secret volume as the kubelet materializes it: one file per key. Each changed file is
 * replaced atomically (written aside, then moved over), so a reader sees the old or the new
 * contents of a file, never half of it; keys that left the Secret are removed. Like the
 * kubelet's, an update reaches the files some time after the Secret changed (the next loop).
 */
final class SecretFiles {

    private SecretFiles() {}

    /** Writes {@code secret}'s keys under {@code dir}; returns whether any file changed. */
    static boolean write(Path dir, Secret secret) {
        Map<String, byte[]> files = new TreeMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> files.put(k, Base64.getDecoder().decode(v)));
        }
        if (secret.getStringData() != null) {
            secret.getStringData().forEach((k, v) -> files.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        boolean changed = false;
        try {
            Files.createDirectories(dir);
            for (var e : files.entrySet()) {
                Path file = dir.resolve(e.getKey());
                if (Files.exists(file) && Arrays.equals(Files.readAllBytes(file), e.getValue())) {
                    continue;
                }
                Path aside = dir.resolve(".." + e.getKey() + ".tmp");
                Files.write(aside, e.getValue());
                Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                changed = true;
            }
            try (var listing = Files.list(dir)) {
                for (Path p : listing.toList()) {
                    String name = p.getFileName().toString();
                    if (!name.startsWith("..") && !files.containsKey(name)) {
                        Files.delete(p);
                        changed = true;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Secret volume " + dir, e);
        }
        return changed;
    }
}
