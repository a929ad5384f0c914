package io.raftkv.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.raftkv.operator.TestClusters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schema-conformance tier: RaftKvClusters validated against the generated CRD as the API
 * server would (pruning, defaults, types, bounds, patterns, CEL rules through cel-java). The
 * samples must be accepted; each CR of the invalid corpus must be rejected for its stated reason.
 */
class CrdSchemaConformanceTest {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final SchemaConformance SCHEMA = new SchemaConformance(load());

    private static JsonNode load() {
        try {
            return YAML.readTree(TestClusters.generatedCrd().toFile()).at("/spec/versions/0/schema/openAPIV3Schema");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode cr(String yaml) {
        try {
            return (ObjectNode) YAML.readTree("apiVersion: raftkv.io/v1alpha1\nkind: RaftKvCluster\n" + yaml);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void samplesAreAccepted() throws IOException {
        Path samples = TestClusters.repoRoot().resolve("config/samples");
        List<Path> files;
        try (Stream<Path> list = Files.list(samples)) {
            files = list.filter(p -> p.getFileName().toString().startsWith("raftkv_"))
                    .toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            ObjectNode sample = (ObjectNode) YAML.readTree(file.toFile());
            assertThat(SCHEMA.validate(sample, null))
                    .as("%s", file.getFileName())
                    .isEmpty();
        }
    }

    @Test
    void omittedParentsGetTheirChildrensDefaults() {
        ObjectNode minimal = cr("metadata: {name: demo}\n");
        assertThat(SCHEMA.validate(minimal, null)).isEmpty();
        assertThat(minimal.at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(minimal.at("/spec/storage/size").asText()).isEqualTo("10Gi");
        assertThat(minimal.at("/spec/raft/electionTicks").asInt()).isEqualTo(10);
        assertThat(minimal.at("/spec/scheduling/antiAffinity").asText()).isEqualTo("Preferred");
        assertThat(minimal.at("/spec/clientService/type").asText()).isEqualTo("ClusterIP");
    }

    static Stream<Arguments> invalidCorpus() {
        return Stream.of(
                Arguments.of("even replicas", "metadata: {name: kv}\nspec: {replicas: 4}\n", "replicas must be odd"),
                Arguments.of(
                        "too many replicas",
                        "metadata: {name: kv}\nspec: {replicas: 11}\n",
                        ".spec.replicas: should be less than or equal to 9"),
                Arguments.of(
                        "name starting with a digit",
                        "metadata: {name: 9lives}\n",
                        "metadata.name must be a DNS label"),
                Arguments.of(
                        "name too long for derived names",
                        "metadata: {name: " + "a".repeat(53) + "}\n",
                        "at most 52 characters"),
                Arguments.of(
                        "name colliding with a peer Service",
                        "metadata: {name: orders-peers}\n",
                        "does not end in -peers"),
                Arguments.of(
                        "heartbeat not below election",
                        "metadata: {name: kv}\nspec: {raft: {heartbeatTicks: 10, electionTicks: 10}}\n",
                        "heartbeatTicks must be smaller than raft.electionTicks"),
                Arguments.of(
                        "malformed memory limit",
                        "metadata: {name: kv}\nspec: {resources: {limits: {memory: 1e3Gi}}}\n",
                        ".spec.resources.limits.memory: should match"),
                Arguments.of(
                        "empty cpu request",
                        "metadata: {name: kv}\nspec: {resources: {requests: {cpu: ''}}}\n",
                        ".spec.resources.requests.cpu: should match"),
                Arguments.of(
                        "unknown pull policy",
                        "metadata: {name: kv}\nspec: {imagePullPolicy: Sometimes}\n",
                        ".spec.imagePullPolicy: Unsupported value"),
                Arguments.of(
                        "storage size not a quantity",
                        "metadata: {name: kv}\nspec: {storage: {size: ten}}\n",
                        ".spec.storage.size: should match"),
                Arguments.of(
                        "toleration with an unknown operator",
                        "metadata: {name: kv}\nspec: {scheduling: {tolerations: [{key: a, operator: Is}]}}\n",
                        ".spec.scheduling.tolerations[0].operator: Unsupported value"),
                Arguments.of(
                        "duplicate pull secret",
                        "metadata: {name: kv}\nspec: {imagePullSecrets: [a, a]}\n",
                        "Duplicate value"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCorpus")
    void invalidResourcesAreRejectedForTheirReason(String what, String yaml, String reason) {
        assertThat(SCHEMA.validate(cr(yaml), null))
                .as(what)
                .anySatisfy(p -> assertThat(p).contains(reason));
    }

    @Test
    void storageIsImmutableIncludingUnsetToSet() {
        ObjectNode old = cr("metadata: {name: kv}\nspec: {storage: {size: 10Gi}}\n");
        assertThat(SCHEMA.validate(old, null)).isEmpty();

        ObjectNode bigger = cr("metadata: {name: kv}\nspec: {storage: {size: 20Gi}}\n");
        assertThat(SCHEMA.validate(bigger, old)).anySatisfy(p -> assertThat(p).contains("storage.size is immutable"));

        ObjectNode classAdded =
                cr("metadata: {name: kv}\n" + "spec: {storage: {size: 10Gi, storageClassName: fast}}\n");
        assertThat(SCHEMA.validate(classAdded, old))
                .anySatisfy(p -> assertThat(p).contains("storageClassName cannot be set or unset after creation"));

        ObjectNode same = cr("metadata: {name: kv}\nspec: {replicas: 5, storage: {size: 10Gi}}\n");
        assertThat(SCHEMA.validate(same, old)).as("other fields may change").isEmpty();
    }
}
