package io.raftkv.operator;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.recovery.QuorumRecovery;
import io.raftkv.operator.security.TlsPlanner;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of a RaftKvCluster start a reconciliation: a new generation (the spec changed), as
 * JOSDK's generation-aware processing does, and also a change of one of the annotations users set
 * to ask for an action ({@value TlsPlanner#ROTATE_CA_ANNOTATION}, {@value QuorumRecovery#ANNOTATION}),
 * which do not change the generation. The operator's own status patches start none.
 */
public final class ClusterUpdateFilter implements OnUpdateFilter<RaftKvCluster> {

    /** Annotations whose change is a request to the operator. */
    static final List<String> REQUESTS = List.of(TlsPlanner.ROTATE_CA_ANNOTATION, QuorumRecovery.ANNOTATION);

    @Override
    public boolean accept(RaftKvCluster updated, RaftKvCluster old) {
        if (!Objects.equals(
                updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())) {
            return true;
        }
        Map<String, String> now = orEmpty(updated.getMetadata().getAnnotations());
        Map<String, String> before = orEmpty(old.getMetadata().getAnnotations());
        return REQUESTS.stream().anyMatch(a -> !Objects.equals(now.get(a), before.get(a)));
    }

    private static Map<String, String> orEmpty(Map<String, String> m) {
        return m == null ? Map.of() : m;
    }
}
