package io.raftkv.operator.recovery;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.StatefulSetDependent;
import io.raftkv.operator.events.EventRecorder;
import java.util.Collection;
import java.util.Objects;

/** The API calls of a confirmed quorum-loss rebuild ({@link QuorumRecovery}). */
public final class QuorumRecoveryActions {

    private QuorumRecoveryActions() {}

    /**
     * Deletes the named survivor's pod unless it already runs with {@code RAFTKV_FORCE_NEW_CLUSTER}
     * set to its id (the StatefulSet, updateStrategy OnDelete, recreates it on the template that
     * carries it).
     */
    public static void restartWithForceNewCluster(
            RaftKvCluster cluster,
            Collection<Pod> pods,
            QuorumRecovery.Rebuild rebuild,
            KubernetesClient client,
            EventRecorder recorder) {
        for (Pod pod : pods) {
            if (!rebuild.pod().equals(pod.getMetadata().getName())
                    || pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            boolean carries = pod.getSpec().getContainers().stream()
                    .flatMap(c -> c.getEnv() == null ? java.util.stream.Stream.empty() : c.getEnv().stream())
                    .anyMatch(e -> StatefulSetDependent.ENV_FORCE_NEW_CLUSTER.equals(e.getName())
                            && Objects.equals(Long.toString(rebuild.memberId()), e.getValue()));
            if (carries) {
                return;
            }
            client.pods()
                    .inNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName())
                    .delete();
            recorder.record(
                    cluster,
                    "Warning",
                    QuorumRecovery.REASON_REBUILDING,
                    "Restarting " + rebuild.pod() + " with --force-new-cluster=" + rebuild.memberId()
                            + " as confirmed by " + QuorumRecovery.ANNOTATION + ": it becomes a one-member cluster"
                            + " with every entry of its log; the other pods join it as new members.");
            return;
        }
    }

    /** Removes the confirmation once a leader answers: it is a one-shot command. */
    public static void removeConfirmation(RaftKvCluster cluster, KubernetesClient client, EventRecorder recorder) {
        String value = cluster.getMetadata().getAnnotations().get(QuorumRecovery.ANNOTATION);
        client.resources(RaftKvCluster.class)
                .inNamespace(cluster.getMetadata().getNamespace())
                .withName(cluster.getMetadata().getName())
                .edit(c -> {
                    if (c.getMetadata().getAnnotations() != null) {
                        c.getMetadata().getAnnotations().remove(QuorumRecovery.ANNOTATION);
                    }
                    return c;
                });
        recorder.record(
                cluster,
                "Normal",
                "QuorumRecovered",
                "A leader answers again; removed " + QuorumRecovery.ANNOTATION + "=" + value + ".");
    }
}
