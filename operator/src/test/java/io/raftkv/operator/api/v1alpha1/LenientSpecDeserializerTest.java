package io.raftkv.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.raftkv.operator.status.SpecValidator;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A spec Fabric8 cannot read becomes an {@link UnreadableSpec} that round-trips unchanged. */
class LenientSpecDeserializerTest {

    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private static String cluster(String spec) {
        return "{\"apiVersion\":\"raftkv.io/v1alpha1\",\"kind\":\"RaftKvCluster\","
                + "\"metadata\":{\"name\":\"c\",\"namespace\":\"ns\"},\"spec\":" + spec + "}";
    }

    @Test
    void malformedQuantityBecomesAnUnreadableSpecNamingTheField() {
        String json = cluster("{\"replicas\":3,\"resources\":{\"limits\":{\"memory\":\"1e3Gi\"}}}");
        RaftKvCluster cluster = JSON.unmarshal(json, RaftKvCluster.class);

        assertThat(cluster.getSpec()).isInstanceOf(UnreadableSpec.class);
        assertThat(((UnreadableSpec) cluster.getSpec()).problem())
                .isEqualTo("spec.resources.limits.memory '1e3Gi' is not a Kubernetes quantity"
                        + " (e.g. 512Mi, 2, 250m, 1.5Gi)");
        assertThat(cluster.getSpec().getReplicas())
                .as("nothing is derived from it")
                .isNull();
        assertThat(SpecValidator.problems(cluster, Optional.empty()))
                .containsExactly(((UnreadableSpec) cluster.getSpec()).problem());
    }

    @Test
    void unreadableSpecSerializesBackToExactlyWhatWasStored() {
        String json = cluster(
                "{\"replicas\":3,\"imagePullPolicy\":\"Sometimes\"," + "\"resources\":{\"requests\":{\"cpu\":\"\"}}}");
        RaftKvCluster cluster = JSON.unmarshal(json, RaftKvCluster.class);

        assertThat(((UnreadableSpec) cluster.getSpec()).problem()).startsWith("spec.");
        JsonNode written = JSON.convertValue(cluster, JsonNode.class);
        assertThat(written.get("spec"))
                .isEqualTo(JSON.unmarshal(json, JsonNode.class).get("spec"));
        // and a copy made through serialization (as the informer cache does) stays unreadable
        RaftKvCluster copy = JSON.clone(cluster);
        assertThat(copy.getSpec()).isInstanceOf(UnreadableSpec.class);
    }

    @Test
    void unknownEnumValueIsReportedWithItsPath() {
        RaftKvCluster cluster =
                JSON.unmarshal(cluster("{\"storage\":{\"whenDeleted\":\"Shred\"}}"), RaftKvCluster.class);
        assertThat(((UnreadableSpec) cluster.getSpec()).problem())
                .startsWith("spec.storage.whenDeleted 'Shred' cannot be read");
    }

    @Test
    void readableSpecIsTheOrdinaryClass() {
        RaftKvCluster cluster = JSON.unmarshal(
                cluster("{\"replicas\":5,\"resources\":{\"limits\":{\"memory\":\"2Gi\",\"cpu\":2}}}"),
                RaftKvCluster.class);
        assertThat(cluster.getSpec().getClass()).isEqualTo(RaftKvClusterSpec.class);
        assertThat(cluster.getSpec().getReplicas()).isEqualTo(5);
        assertThat(cluster.getSpec().getResources().getLimits().get("memory").toString())
                .isEqualTo("2Gi");
        assertThat(SpecValidator.problems(cluster, Optional.empty())).isEmpty();
    }

    @Test
    void quantitySyntaxIsTheApiServers() {
        assertThat(Quantities.isQuantity("512Mi")).isTrue();
        assertThat(Quantities.isQuantity("250m")).isTrue();
        assertThat(Quantities.isQuantity("1e3")).isTrue();
        assertThat(Quantities.isQuantity("1.5")).isTrue();
        assertThat(Quantities.isQuantity("")).isFalse();
        assertThat(Quantities.isQuantity("1e3Gi")).isFalse();
        assertThat(Quantities.isQuantity("10 Gi")).isFalse();
        assertThat(Quantities.isQuantity("Gi")).isFalse();
    }
}
