package io.raftkv.e2e.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Plays Kubernetes' garbage collector, which the mock API server does not have: an object whose
 * {@code ownerReferences} all name objects that no longer exist is deleted (background
 * propagation). One {@link #sweep} deletes one generation; cascades (RaftKvCluster → StatefulSet
 * → Pods and PVCs) complete over consecutive sweeps, as with the real collector.
 *
 * <p>Covered kinds: everything the operator and the StatefulSet controller create —
 * StatefulSets, Services, PodDisruptionBudgets, ServiceAccounts, Roles, RoleBindings, Jobs, Pods
 * and PersistentVolumeClaims — with RaftKvClusters, RaftKvBackups (a backup owns its Job) and all
 * of those as possible owners.
 */
final class OwnerGarbageCollector {

    static final String CR_API_VERSION = "raftkv.io/v1alpha1";
    static final String CR_KIND = "RaftKvCluster";
    static final String BACKUP_KIND = "RaftKvBackup";

    private final KubernetesClient client;

    OwnerGarbageCollector(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Deletes every object whose owners are all gone.
     *
     * @return descriptions ({@code Kind ns/name}) of the objects deleted
     */
    List<String> sweep() {
        List<HasMetadata> dependents = new ArrayList<>();
        dependents.addAll(client.apps().statefulSets().inAnyNamespace().list().getItems());
        dependents.addAll(client.services().inAnyNamespace().list().getItems());
        dependents.addAll(client.policy()
                .v1()
                .podDisruptionBudget()
                .inAnyNamespace()
                .list()
                .getItems());
        dependents.addAll(client.serviceAccounts().inAnyNamespace().list().getItems());
        dependents.addAll(client.rbac().roles().inAnyNamespace().list().getItems());
        dependents.addAll(client.rbac().roleBindings().inAnyNamespace().list().getItems());
        dependents.addAll(client.batch().v1().jobs().inAnyNamespace().list().getItems());
        dependents.addAll(client.pods().inAnyNamespace().list().getItems());
        dependents.addAll(
                client.persistentVolumeClaims().inAnyNamespace().list().getItems());
        Set<String> existing = new HashSet<>();
        Function<HasMetadata, String> uid = o -> o.getMetadata().getUid();
        client.genericKubernetesResources(CR_API_VERSION, CR_KIND)
                .inAnyNamespace()
                .list()
                .getItems()
                .forEach(o -> existing.add(uid.apply(o)));
        client.genericKubernetesResources(CR_API_VERSION, BACKUP_KIND)
                .inAnyNamespace()
                .list()
                .getItems()
                .forEach(o -> existing.add(uid.apply(o)));
        dependents.forEach(o -> existing.add(uid.apply(o)));
        List<String> deleted = new ArrayList<>();
        for (HasMetadata o : dependents) {
            List<OwnerReference> owners = o.getMetadata().getOwnerReferences();
            if (owners == null || owners.isEmpty() || owners.stream().anyMatch(r -> existing.contains(r.getUid()))) {
                continue;
            }
            try {
                client.resource(o).delete();
                deleted.add(o.getKind() + " " + o.getMetadata().getNamespace() + "/"
                        + o.getMetadata().getName());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
        return deleted;
    }
}
