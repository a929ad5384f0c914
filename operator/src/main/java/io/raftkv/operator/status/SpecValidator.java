package io.raftkv.operator.status;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.raftkv.operator.api.v1alpha1.Quantities;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterSpec;
import io.raftkv.operator.api.v1alpha1.RaftTuningSpec;
import io.raftkv.operator.api.v1alpha1.StorageSpec;
import io.raftkv.operator.api.v1alpha1.UnreadableSpec;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks a spec that the API server already accepted. The CRD schema validates new objects, but
 * an object stored under an older schema, or written while validation was off, can still be
 * invalid; and some rules (immutability against the live StatefulSet) need the live objects. An
 * invalid spec stops the reconciler from touching any dependent: the cluster keeps running as it
 * is and the status says what to fix.
 */
public final class SpecValidator {

    public static final int MAX_REPLICAS = 9;

    private SpecValidator() {}

    /**
     * Returns the problems of {@code cluster}'s spec, each a sentence naming the field; empty when
     * the spec is valid. {@code existing} is the live StatefulSet, if any.
     */
    public static List<String> problems(RaftKvCluster cluster, Optional<StatefulSet> existing) {
        List<String> problems = new ArrayList<>();
        RaftKvClusterSpec spec = cluster.getSpec();
        if (spec == null) {
            problems.add("spec is missing");
            return problems;
        }
        if (spec instanceof UnreadableSpec unreadable) {
            problems.add(unreadable.problem());
            return problems;
        }
        Integer replicas = spec.getReplicas();
        if (replicas == null) {
            problems.add("spec.replicas is missing");
        } else if (replicas < 1 || replicas > MAX_REPLICAS || replicas % 2 == 0) {
            problems.add("spec.replicas is " + replicas + " but must be odd, from 1 to " + MAX_REPLICAS
                    + " (an even count adds no fault tolerance)");
        }
        if (spec.getImage() == null || spec.getImage().isBlank()) {
            problems.add("spec.image is empty");
        }
        checkResources(spec.getResources(), problems);
        checkMetadata("spec.labels", spec.getLabels(), true, problems);
        checkMetadata("spec.annotations", spec.getAnnotations(), false, problems);
        checkStorage(spec.getStorage(), existing, problems);
        checkRaft(spec.getRaft(), problems);
        return problems;
    }

    private static void checkStorage(StorageSpec storage, Optional<StatefulSet> existing, List<String> problems) {
        if (storage == null) {
            problems.add("spec.storage is missing");
            return;
        }
        if (storage.getWhenDeleted() == null || storage.getWhenScaled() == null) {
            problems.add("spec.storage.whenDeleted and spec.storage.whenScaled must be Retain or" + " Delete");
        }
        Optional<BigDecimal> bytes = bytesOf(storage.getSize());
        if (bytes.isEmpty() || bytes.get().signum() <= 0) {
            problems.add("spec.storage.size '" + storage.getSize() + "' is not a positive quantity" + " such as 10Gi");
            return;
        }
        Optional<PersistentVolumeClaim> template = existing.flatMap(
                        sts -> Optional.ofNullable(sts.getSpec().getVolumeClaimTemplates()))
                .flatMap(templates -> templates.stream().findFirst());
        if (template.isEmpty()) {
            return;
        }
        Quantity liveSize =
                template.get().getSpec().getResources().getRequests().get("storage");
        Optional<BigDecimal> liveBytes = liveSize == null ? Optional.empty() : bytesOf(liveSize.toString());
        if (liveBytes.isPresent() && liveBytes.get().compareTo(bytes.get()) != 0) {
            problems.add("spec.storage.size cannot change after creation (the StatefulSet's volume"
                    + " claim template has " + liveSize + ", the spec asks for " + storage.getSize() + ")");
        }
        String liveClass = template.get().getSpec().getStorageClassName();
        if (storage.getStorageClassName() != null && !Objects.equals(liveClass, storage.getStorageClassName())) {
            problems.add("spec.storage.storageClassName cannot change after creation (the"
                    + " StatefulSet uses " + liveClass + ", the spec asks for "
                    + storage.getStorageClassName() + ")");
        }
    }

    /**
     * Label and annotation keys (and label values) the API server would refuse on every owned
     * object: caught here, the cluster says which key is wrong instead of failing on a 422.
     */
    private static void checkMetadata(
            String field, Map<String, String> entries, boolean labels, List<String> problems) {
        if (entries == null) {
            return;
        }
        entries.forEach((key, value) -> {
            if (!isQualifiedName(key)) {
                problems.add(field + " key '" + key + "' is not a valid key: [prefix/]name, the name"
                        + " at most 63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric, the"
                        + " prefix a DNS subdomain");
            } else if (labels
                    && value != null
                    && !value.isEmpty()
                    && !LABEL_VALUE.matcher(value).matches()) {
                problems.add(field + "['" + key + "'] value '" + value + "' is not a valid label value:"
                        + " at most 63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric");
            }
        });
    }

    private static final java.util.regex.Pattern LABEL_VALUE =
            java.util.regex.Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final java.util.regex.Pattern DNS_SUBDOMAIN =
            java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    static boolean isQualifiedName(String key) {
        if (key == null) {
            return false;
        }
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            if (prefix.isEmpty()
                    || prefix.length() > 253
                    || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
                return false;
            }
        }
        return LABEL_VALUE.matcher(name).matches();
    }

    /** Quantities Fabric8 parsed but the API server would refuse in a Pod (e.g. {@code 1.}). */
    private static void checkResources(ResourceRequirements resources, List<String> problems) {
        if (resources == null) {
            return;
        }
        checkQuantities("spec.resources.limits", resources.getLimits(), problems);
        checkQuantities("spec.resources.requests", resources.getRequests(), problems);
    }

    private static void checkQuantities(String field, Map<String, Quantity> quantities, List<String> problems) {
        if (quantities == null) {
            return;
        }
        quantities.forEach((name, quantity) -> {
            String text = quantity == null
                    ? null
                    : quantity.getAmount() + (quantity.getFormat() == null ? "" : quantity.getFormat());
            if (!Quantities.isQuantity(text)) {
                problems.add(field + "." + name + " '" + text + "' is not a Kubernetes quantity"
                        + " (e.g. 512Mi, 2, 250m, 1.5Gi)");
            }
        });
    }

    private static void checkRaft(RaftTuningSpec raft, List<String> problems) {
        if (raft == null) {
            problems.add("spec.raft is missing");
            return;
        }
        if (raft.getTickMs() == null || raft.getTickMs() < 1) {
            problems.add("spec.raft.tickMs must be a positive number of milliseconds");
        }
        if (raft.getHeartbeatTicks() == null || raft.getHeartbeatTicks() < 1) {
            problems.add("spec.raft.heartbeatTicks must be at least 1");
        }
        if (raft.getElectionTicks() == null
                || raft.getHeartbeatTicks() != null && raft.getElectionTicks() <= raft.getHeartbeatTicks()) {
            problems.add("spec.raft.electionTicks (" + raft.getElectionTicks() + ") must be larger"
                    + " than spec.raft.heartbeatTicks (" + raft.getHeartbeatTicks() + ")");
        }
        if (raft.getSnapshotThresholdEntries() == null || raft.getSnapshotThresholdEntries() < 1) {
            problems.add("spec.raft.snapshotThresholdEntries must be positive");
        }
    }

    private static Optional<BigDecimal> bytesOf(String quantity) {
        if (quantity == null || quantity.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Quantity.getAmountInBytes(new Quantity(quantity)));
        } catch (IllegalArgumentException | ArithmeticException e) {
            return Optional.empty();
        }
    }
}
