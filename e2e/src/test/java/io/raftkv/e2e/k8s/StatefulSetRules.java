package io.raftkv.e2e.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The StatefulSet controller's rules, as pure functions of the objects (the
 * {@link SimulatedKubelet} does the API calls): pod and claim names, the revision of a pod
 * template, the Pod and PVC objects for an ordinal, the PVC retention policy, and the status.
 *
 * <p>Semantics kept from the real controller: pods are {@code <sts>-<i>} labelled with
 * {@code controller-revision-hash} and {@code statefulset.kubernetes.io/pod-name}; claims are
 * {@code <template>-<pod>} and outlive pods; with {@code whenDeleted: Delete} a claim is owned by
 * the StatefulSet (so the garbage collector removes it with it); {@code currentRevision} moves to
 * {@code updateRevision} only under {@code RollingUpdate} once every pod is updated and ready —
 * never under {@code OnDelete}, which is what the operator uses.
 */
final class StatefulSetRules {

    static final String REVISION_LABEL = "controller-revision-hash";
    static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

    private StatefulSetRules() {}

    static String podName(StatefulSet sts, int ordinal) {
        return sts.getMetadata().getName() + "-" + ordinal;
    }

    /** The ordinal of {@code podName} in {@code sts}, or -1 when the name is not one of its pods. */
    static int ordinalOf(StatefulSet sts, String podName) {
        String prefix = sts.getMetadata().getName() + "-";
        if (!podName.startsWith(prefix)) {
            return -1;
        }
        String digits = podName.substring(prefix.length());
        return digits.matches("0|[1-9][0-9]{0,5}") ? Integer.parseInt(digits) : -1;
    }

    static int replicas(StatefulSet sts) {
        Integer r = sts.getSpec().getReplicas();
        return r == null ? 1 : r;
    }

    /** {@code <sts>-<10 hex digits of SHA-256 of the pod template>}: changes iff the template does. */
    static String revision(StatefulSet sts) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(Serialization.asJson(sts.getSpec().getTemplate()).getBytes(StandardCharsets.UTF_8));
            return sts.getMetadata().getName() + "-"
                    + HexFormat.of().formatHex(digest).substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    static boolean deleteClaimsOnScaleDown(StatefulSet sts) {
        var policy = sts.getSpec().getPersistentVolumeClaimRetentionPolicy();
        return policy != null && "Delete".equals(policy.getWhenScaled());
    }

    static boolean claimsOwnedByStatefulSet(StatefulSet sts) {
        var policy = sts.getSpec().getPersistentVolumeClaimRetentionPolicy();
        return policy != null && "Delete".equals(policy.getWhenDeleted());
    }

    static OwnerReference controllerReference(HasMetadata owner) {
        return new OwnerReferenceBuilder()
                .withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind())
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /** The Pod object for {@code ordinal} on the current template (phase Pending). */
    static Pod newPod(StatefulSet sts, int ordinal) {
        var template = sts.getSpec().getTemplate();
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.put(REVISION_LABEL, revision(sts));
        labels.put(POD_NAME_LABEL, podName(sts, ordinal));
        ObjectMeta meta = new ObjectMetaBuilder()
                .withName(podName(sts, ordinal))
                .withNamespace(sts.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(
                        template.getMetadata() == null
                                ? null
                                : template.getMetadata().getAnnotations())
                .withOwnerReferences(controllerReference(sts))
                .build();
        return new PodBuilder()
                .withMetadata(meta)
                .withSpec(Serialization.clone(template.getSpec()))
                .editSpec()
                .withHostname(podName(sts, ordinal))
                .withSubdomain(sts.getSpec().getServiceName())
                .endSpec()
                .withNewStatus()
                .withPhase("Pending")
                .endStatus()
                .build();
    }

    /** The claims of pod {@code ordinal}, one per volumeClaimTemplate. */
    static Map<String, PersistentVolumeClaim> claims(StatefulSet sts, int ordinal) {
        Map<String, PersistentVolumeClaim> claims = new LinkedHashMap<>();
        if (sts.getSpec().getVolumeClaimTemplates() == null) {
            return claims;
        }
        for (PersistentVolumeClaim template : sts.getSpec().getVolumeClaimTemplates()) {
            String name = template.getMetadata().getName() + "-" + podName(sts, ordinal);
            PersistentVolumeClaimBuilder claim = new PersistentVolumeClaimBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(sts.getMetadata().getNamespace())
                    .withLabels(sts.getSpec().getSelector().getMatchLabels())
                    .endMetadata()
                    .withSpec(Serialization.clone(template.getSpec()))
                    .withNewStatus()
                    .withPhase("Bound")
                    .endStatus();
            if (claimsOwnedByStatefulSet(sts)) {
                claim.editMetadata()
                        .withOwnerReferences(controllerReference(sts))
                        .endMetadata();
            }
            claims.put(template.getMetadata().getName(), claim.build());
        }
        return claims;
    }

    /**
     * The status the controller reports for {@code sts} given its pods and which of them are
     * ready.
     */
    static StatefulSetStatus status(StatefulSet sts, Collection<Pod> pods, java.util.function.Predicate<Pod> ready) {
        String updateRevision = revision(sts);
        String recorded = Optional.ofNullable(sts.getStatus())
                .map(StatefulSetStatus::getCurrentRevision)
                .orElse(updateRevision);
        String currentRevision = recorded;
        int replicas = pods.size();
        int readyCount = (int) pods.stream().filter(ready).count();
        int updated = (int)
                pods.stream().filter(p -> updateRevision.equals(revisionOf(p))).count();
        int current =
                (int) pods.stream().filter(p -> recorded.equals(revisionOf(p))).count();
        boolean rolling = sts.getSpec().getUpdateStrategy() == null
                || "RollingUpdate".equals(sts.getSpec().getUpdateStrategy().getType());
        if (rolling && updated == replicas(sts) && readyCount == replicas(sts)) {
            currentRevision = updateRevision;
            current = updated;
        }
        return new StatefulSetStatusBuilder()
                .withObservedGeneration(sts.getMetadata().getGeneration())
                .withReplicas(replicas)
                .withReadyReplicas(readyCount)
                .withAvailableReplicas(readyCount)
                .withCurrentReplicas(current)
                .withUpdatedReplicas(updated)
                .withCurrentRevision(currentRevision)
                .withUpdateRevision(updateRevision)
                .withCollisionCount(0)
                .build();
    }

    static String revisionOf(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        return labels == null ? "" : labels.getOrDefault(REVISION_LABEL, "");
    }
}
