package io.raftkv.operator;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.membership.FakeNodeAdmin;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plays, on the mock API server, what Kubernetes and the nodes would do for one cluster: the
 * StatefulSet controller (pods {@code 0..replicas-1} with the template's labels and revision,
 * OnDelete: a deleted pod is recreated on the current revision, status counts), the kubelet
 * (starts and stops the node of each pod in the {@link FakeNodeAdmin}, readiness from the node)
 * and the volumes (a pod's member id survives restarts; a new ordinal draws a fresh id).
 * Each {@link #sync()} moves the simulated world one round; tests call it from their await loop.
 */
final class SimulatedStatefulSetController {

    private final KubernetesClient client;
    private final FakeNodeAdmin nodes;
    private final String namespace;
    private final String name;
    private final Map<Integer, Long> volumes = new HashMap<>();
    private final Set<Integer> running = new HashSet<>();
    private final List<Integer> replicasSeen = new ArrayList<>();
    /** Pods deleted by the operator, in order, with whether each one's node was leading. */
    private final LinkedHashMap<String, Boolean> restarts = new LinkedHashMap<>();

    private String initialRevision;
    private long nextFreshId = 1L << 32;
    /** Whether pods get data PVCs ({@link #withClaims()}). */
    private boolean claims;

    private final Set<Integer> claimsMade = new HashSet<>();

    /**
     * Plays the volumes too: a pod is created with its data PVC {@code data-<pod>} (the bootstrap
     * members' dated a day back); a pod whose PVC was deleted comes back on a new, empty one under a
     * fresh member id.
     */
    SimulatedStatefulSetController withClaims() {
        this.claims = true;
        return this;
    }

    SimulatedStatefulSetController(KubernetesClient client, FakeNodeAdmin nodes, String namespace, String name) {
        this.client = client;
        this.nodes = nodes;
        this.namespace = namespace;
        this.name = name;
    }

    /** The bootstrap members: pods 0..n-1 hold ids 1..n, already voters. */
    void bootstrap(int voters) {
        for (int k = 0; k < voters; k++) {
            volumes.put(k, k + 1L);
            nodes.bootstrapVoter(
                    target(k),
                    k + 1L,
                    name + "-" + k + "." + name + "-peers." + namespace + ".svc:" + ClusterObjects.PEER_PORT);
        }
    }

    static String targetOf(String cluster, int ordinal) {
        return cluster + "-" + ordinal;
    }

    String target(int ordinal) {
        return targetOf(name, ordinal);
    }

    List<Integer> replicasSeen() {
        return List.copyOf(replicasSeen);
    }

    Map<String, Boolean> restarts() {
        return new LinkedHashMap<>(restarts);
    }

    String revision(StatefulSet sts) {
        return name + "-" + Integer.toHexString(sts.getSpec().getTemplate().hashCode());
    }

    void sync() {
        StatefulSet sts = client.apps()
                .statefulSets()
                .inNamespace(namespace)
                .withName(name)
                .get();
        if (sts == null) {
            return;
        }
        int replicas = sts.getSpec().getReplicas();
        if (replicasSeen.isEmpty() || replicasSeen.get(replicasSeen.size() - 1) != replicas) {
            replicasSeen.add(replicas);
        }
        String revision = revision(sts);
        if (initialRevision == null) {
            initialRevision = revision;
        }
        Map<Integer, Pod> pods = new HashMap<>();
        for (Pod pod : client.pods()
                .inNamespace(namespace)
                .withLabel(ClusterObjects.LABEL_INSTANCE, name)
                .list()
                .getItems()) {
            pods.put(Integer.parseInt(pod.getMetadata().getName().substring(name.length() + 1)), pod);
        }
        for (var entry : pods.entrySet()) {
            if (entry.getKey() >= replicas) {
                client.resource(entry.getValue()).delete();
                stop(entry.getKey(), false);
            }
        }
        for (int k = 0; k < replicas; k++) {
            Pod pod = pods.get(k);
            if (pod == null) {
                if (running.contains(k)) {
                    stop(k, true); // deleted by the operator: the kubelet killed its process
                }
                if (claims) {
                    ensureClaim(k);
                }
                pod = create(sts, k, revision);
                long id = volumes.computeIfAbsent(k, o -> nextFreshId++);
                nodes.startNode(target(k), id);
                running.add(k);
            }
            boolean ready = nodes.ready(target(k));
            boolean wasReady = pod.getStatus() != null
                    && pod.getStatus().getConditions() != null
                    && pod.getStatus().getConditions().stream()
                            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
            if (ready != wasReady
                    || pod.getStatus() == null
                    || !"Running".equals(pod.getStatus().getPhase())) {
                writePodStatus(k, ready);
            }
        }
        writeStatefulSetStatus(sts, revision);
    }

    /** The pod's data PVC: made if missing; a deleted one means a new, empty volume. */
    private void ensureClaim(int ordinal) {
        String claim = "data-" + name + "-" + ordinal;
        if (client.persistentVolumeClaims()
                        .inNamespace(namespace)
                        .withName(claim)
                        .get()
                != null) {
            return;
        }
        java.time.Instant created = java.time.Instant.now();
        if (claimsMade.contains(ordinal)) {
            volumes.remove(ordinal); // the old volume is gone: the node starts empty
        } else if (volumes.containsKey(ordinal)) {
            created = created.minus(java.time.Duration.ofDays(1)); // a bootstrap member's volume
        }
        claimsMade.add(ordinal);
        client.resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName(claim)
                        .withNamespace(namespace)
                        .withCreationTimestamp(created.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                                .toString())
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .endSpec()
                        .build())
                .create();
    }

    private void stop(int ordinal, boolean restart) {
        if (restart) {
            restarts.put(target(ordinal), nodes.leaderId() == nodes.idAt(target(ordinal)));
        }
        nodes.stopNode(target(ordinal));
        running.remove(ordinal);
    }

    private Pod create(StatefulSet sts, int ordinal, String revision) {
        Map<String, String> labels =
                new HashMap<>(sts.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("controller-revision-hash", revision);
        return client.resource(new PodBuilder()
                        .withNewMetadata()
                        .withName(name + "-" + ordinal)
                        .withNamespace(namespace)
                        .withLabels(labels)
                        .endMetadata()
                        .withSpec(sts.getSpec().getTemplate().getSpec())
                        .build())
                .create();
    }

    private void writePodStatus(int ordinal, boolean ready) {
        Pod status = new PodBuilder()
                .withNewMetadata()
                .withName(name + "-" + ordinal)
                .withNamespace(namespace)
                .endMetadata()
                .withStatus(new PodStatusBuilder()
                        .withPhase("Running")
                        .addNewCondition()
                        .withType("Ready")
                        .withStatus(ready ? "True" : "False")
                        .endCondition()
                        .build())
                .build();
        try {
            client.pods()
                    .inNamespace(namespace)
                    .withName(name + "-" + ordinal)
                    .subresource("status")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), status);
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            // The operator deleted the pod since this pass listed it (a member repair deletes its
            // pod): as for a kubelet, a status write to a deleted pod is moot; the next pass
            // recreates the pod and writes its status.
        }
    }

    private void writeStatefulSetStatus(StatefulSet sts, String revision) {
        List<Pod> pods = client.pods()
                .inNamespace(namespace)
                .withLabel(ClusterObjects.LABEL_INSTANCE, name)
                .list()
                .getItems();
        int ready = (int) pods.stream()
                .filter(p -> p.getStatus() != null
                        && p.getStatus().getConditions() != null
                        && p.getStatus().getConditions().stream()
                                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .count();
        int updated = (int) pods.stream()
                .filter(p -> revision.equals(p.getMetadata().getLabels().get("controller-revision-hash")))
                .count();
        var status = new StatefulSetStatusBuilder()
                .withObservedGeneration(sts.getMetadata().getGeneration())
                .withReplicas(pods.size())
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withCurrentReplicas(pods.size() - updated)
                .withUpdatedReplicas(updated)
                .withCurrentRevision(initialRevision) // OnDelete: the controller never advances it
                .withUpdateRevision(revision)
                .build();
        if (status.equals(sts.getStatus())) {
            return;
        }
        StatefulSet patch = new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .withStatus(status)
                .build();
        client.apps()
                .statefulSets()
                .inNamespace(namespace)
                .withName(name)
                .subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }
}
