package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulated StatefulSet controller's pure rules. */
class StatefulSetRulesTest {

    @Test
    void revisionChangesWithTheTemplateButNotWithReplicas() {
        StatefulSet a = sts("img:1", 3, "OnDelete");
        assertThat(StatefulSetRules.revision(a))
                .startsWith("db-")
                .hasSize(13)
                .isEqualTo(StatefulSetRules.revision(sts("img:1", 5, "OnDelete")))
                .isNotEqualTo(StatefulSetRules.revision(sts("img:2", 3, "OnDelete")));
    }

    @Test
    void podsCarryRevisionOwnerAndIdentity() {
        StatefulSet s = sts("img:1", 3, "OnDelete");
        Pod pod = StatefulSetRules.newPod(s, 2);
        assertThat(pod.getMetadata().getName()).isEqualTo("db-2");
        assertThat(pod.getMetadata().getLabels())
                .containsEntry(StatefulSetRules.REVISION_LABEL, StatefulSetRules.revision(s))
                .containsEntry(StatefulSetRules.POD_NAME_LABEL, "db-2")
                .containsEntry("app", "db");
        assertThat(pod.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(r -> assertThat(r.getUid()).isEqualTo("uid-1"));
        assertThat(pod.getSpec().getHostname()).isEqualTo("db-2");
        assertThat(pod.getSpec().getSubdomain()).isEqualTo("db-peers");
        assertThat(StatefulSetRules.ordinalOf(s, "db-2")).isEqualTo(2);
        assertThat(StatefulSetRules.ordinalOf(s, "db-02")).isEqualTo(-1);
        assertThat(StatefulSetRules.ordinalOf(s, "other-1")).isEqualTo(-1);
    }

    @Test
    void onDeleteNeverAdvancesCurrentRevisionWhileRollingUpdateDoes() {
        StatefulSet old = sts("img:1", 2, "OnDelete");
        String oldRevision = StatefulSetRules.revision(old);
        for (String strategy : List.of("OnDelete", "RollingUpdate")) {
            StatefulSet updated = new StatefulSetBuilder(sts("img:2", 2, strategy))
                    .withNewStatus()
                    .withCurrentRevision(oldRevision)
                    .endStatus()
                    .build();
            List<Pod> pods =
                    List.of(ready(StatefulSetRules.newPod(updated, 0)), ready(StatefulSetRules.newPod(updated, 1)));
            var status = StatefulSetRules.status(updated, pods, SimulatedKubelet::isReady);
            assertThat(status.getUpdatedReplicas()).isEqualTo(2);
            assertThat(status.getReadyReplicas()).isEqualTo(2);
            assertThat(status.getUpdateRevision()).isEqualTo(StatefulSetRules.revision(updated));
            assertThat(status.getCurrentRevision())
                    .as(strategy)
                    .isEqualTo(strategy.equals("OnDelete") ? oldRevision : status.getUpdateRevision());
        }
    }

    @Test
    void statusCountsOldPodsAsNotUpdated() {
        StatefulSet old = sts("img:1", 2, "OnDelete");
        StatefulSet updated = sts("img:2", 2, "OnDelete");
        var status = StatefulSetRules.status(
                updated,
                List.of(StatefulSetRules.newPod(old, 0), ready(StatefulSetRules.newPod(updated, 1))),
                SimulatedKubelet::isReady);
        assertThat(status.getReplicas()).isEqualTo(2);
        assertThat(status.getUpdatedReplicas()).isEqualTo(1);
        assertThat(status.getReadyReplicas()).isEqualTo(1);
        assertThat(status.getObservedGeneration()).isEqualTo(4L);
    }

    @Test
    void retentionPolicyDecidesClaimOwnership() {
        StatefulSet deleteBoth = new StatefulSetBuilder(sts("img:1", 1, "OnDelete"))
                .editSpec()
                .withNewPersistentVolumeClaimRetentionPolicy()
                .withWhenDeleted("Delete")
                .withWhenScaled("Delete")
                .endPersistentVolumeClaimRetentionPolicy()
                .endSpec()
                .build();
        assertThat(StatefulSetRules.claims(deleteBoth, 0)
                        .get("data")
                        .getMetadata()
                        .getOwnerReferences())
                .hasSize(1);
        assertThat(StatefulSetRules.deleteClaimsOnScaleDown(deleteBoth)).isTrue();
        StatefulSet retain = sts("img:1", 1, "OnDelete");
        assertThat(StatefulSetRules.claims(retain, 0).get("data").getMetadata().getName())
                .isEqualTo("data-db-0");
        assertThat(StatefulSetRules.claims(retain, 0).get("data").getMetadata().getOwnerReferences())
                .isEmpty();
        assertThat(StatefulSetRules.deleteClaimsOnScaleDown(retain)).isFalse();
    }

    private static Pod ready(Pod pod) {
        return new PodBuilder(pod)
                .withNewStatus()
                .withPhase("Running")
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build();
    }

    private static StatefulSet sts(String image, int replicas, String strategy) {
        return new StatefulSetBuilder()
                .withNewMetadata()
                .withName("db")
                .withNamespace("ns")
                .withUid("uid-1")
                .withGeneration(4L)
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withServiceName("db-peers")
                .withNewSelector()
                .addToMatchLabels("app", "db")
                .endSelector()
                .withNewUpdateStrategy()
                .withType(strategy)
                .endUpdateStrategy()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "db")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("node")
                .withImage(image)
                .endContainer()
                .endSpec()
                .endTemplate()
                .addNewVolumeClaimTemplate()
                .withNewMetadata()
                .withName("data")
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .endSpec()
                .endVolumeClaimTemplate()
                .endSpec()
                .build();
    }
}
