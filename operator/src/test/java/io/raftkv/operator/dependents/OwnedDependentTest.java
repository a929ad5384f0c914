package io.raftkv.operator.dependents;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The last-applied stamp that makes removals from the spec visible to the matcher. */
class OwnedDependentTest {

    @Test
    void removingATolerationChangesTheStampAndTheSameSpecKeepsIt() {
        RaftKvCluster cluster = TestClusters.stored("ns", "c", 3);
        cluster.getSpec()
                .getScheduling()
                .setTolerations(List.of(new TolerationBuilder()
                        .withKey("dedicated")
                        .withOperator("Exists")
                        .build()));
        String with = OwnedDependent.stampOf(StatefulSetDependent.desiredFor(cluster, 3));
        assertThat(OwnedDependent.stampOf(StatefulSetDependent.desiredFor(cluster, 3)))
                .as("deterministic")
                .isEqualTo(with);

        cluster.getSpec().getScheduling().setTolerations(null);
        assertThat(OwnedDependent.stampOf(StatefulSetDependent.desiredFor(cluster, 3)))
                .isNotEqualTo(with)
                .startsWith("sha256:");
    }

    @Test
    void labelsTheOperatorSetAndNoLongerWantsAreDroppedOthersStay() {
        RaftKvCluster cluster = TestClusters.stored("ns", "c", 3);
        cluster.getSpec().setLabels(new java.util.LinkedHashMap<>(Map.of("team", "kv")));
        StatefulSet before = StatefulSetDependent.desiredFor(cluster, 3);
        StatefulSet live = new StatefulSetBuilder(before)
                .editMetadata()
                .addToLabels("mesh", "on")
                .addToAnnotations(OwnedDependent.LAST_APPLIED, OwnedDependent.stampOf(before))
                .endMetadata()
                .build();

        cluster.getSpec().setLabels(null);
        OwnedDependent.dropNoLongerApplied(live, StatefulSetDependent.desiredFor(cluster, 3));

        assertThat(live.getMetadata().getLabels())
                .doesNotContainKey("team")
                .containsEntry("mesh", "on")
                .containsKey(ClusterObjects.LABEL_INSTANCE);
    }
}
