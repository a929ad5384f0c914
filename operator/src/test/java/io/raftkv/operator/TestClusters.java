package io.raftkv.operator;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Builders for test clusters and paths to build outputs. */
public final class TestClusters {

    private TestClusters() {}

    /** A valid cluster as a user would write it, before the API server assigns a uid. */
    public static RaftKvCluster cluster(String namespace, String name, int replicas) {
        RaftKvCluster cluster = new RaftKvCluster();
        cluster.setMetadata(
                new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        RaftKvClusterSpec spec = new RaftKvClusterSpec();
        spec.setReplicas(replicas);
        cluster.setSpec(spec);
        return cluster;
    }

    /** Same as {@link #cluster} with a uid and generation, as if read back from the server. */
    public static RaftKvCluster stored(String namespace, String name, int replicas) {
        RaftKvCluster cluster = cluster(namespace, name, replicas);
        cluster.getMetadata().setUid("uid-" + name);
        cluster.getMetadata().setGeneration(1L);
        return cluster;
    }

    /** The repository root (set by Surefire; falls back to the module's parent directory). */
    public static Path repoRoot() {
        return Paths.get(System.getProperty("raftkv.repo.root", ".."))
                .toAbsolutePath()
                .normalize();
    }

    /** The CRD the crd-generator wrote during this build. */
    public static Path generatedCrd() {
        Path path = Paths.get(System.getProperty(
                "raftkv.generated.crd", "target/classes/META-INF/fabric8/raftkvclusters.raftkv.io-v1.yml"));
        if (!Files.exists(path)) {
            throw new IllegalStateException(
                    "generated CRD not found at " + path + ": run the build through process-classes (mvn test does)");
        }
        return path;
    }
}
