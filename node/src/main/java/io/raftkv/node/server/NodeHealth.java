package io.raftkv.node.server;

import io.raftkv.api.v1.ClusterGrpcService;
import io.raftkv.api.v1.KVGrpcService;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.kv.AlarmType;
import io.vertx.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.util.Map;

/**
 * What "healthy" and "ready" mean for a node, in one place for the gRPC health service and the
 * HTTP endpoints (pod contract, docs/architecture.md):
 * <ul>
 *   <li><b>live</b>: the process can do its job — storage has not failed (its error latch has not
 *       tripped) and the node is not stopping. A node without a leader is still live: restarting it
 *       would not bring a leader back, and restarting every node of a partitioned cluster would
 *       make things worse.</li>
 *   <li><b>ready</b>: live, a member of the configuration, a leader is known, and this member is
 *       not listed under the {@code CORRUPT} alarm (its state differs from the others': its reads
 *       would be wrong; not ready takes it out of the client Service and makes the operator look at
 *       the cluster at once) — the node can serve (or redirect) client requests now.</li>
 * </ul>
 * Health service names: {@code ""} and {@code "readiness"} and {@code "raftkv.v1.KV"} report
 * readiness; {@code "liveness"} and {@code "raftkv.v1.Cluster"} (answered even without a leader)
 * report liveness.
 */
public final class NodeHealth {
    /** Health service name for the liveness probe. */
    public static final String LIVENESS = "liveness";
    /** Health service name for the readiness probe (same as the server-wide {@code ""}). */
    public static final String READINESS = "readiness";

    private NodeHealth() {}

    public static boolean live(RaftNodeApi node) {
        return node.healthy();
    }

    public static boolean ready(RaftNodeApi node) {
        NodeStatus s = node.status();
        return node.healthy() && s.healthy() && s.ready() && !corrupt(node, s);
    }

    /** Whether the replicated CORRUPT alarm names this member (never blocks: a volatile read). */
    static boolean corrupt(RaftNodeApi node, NodeStatus s) {
        var stateMachine = node.stateMachine();
        return stateMachine != null && stateMachine.alarms().active(AlarmType.CORRUPT, s.id());
    }

    /** Every reported health service name with its status now. Never blocks. */
    public static Map<String, ServingStatus> statuses(RaftNodeApi node) {
        ServingStatus live = live(node) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        ServingStatus ready = ready(node) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        return Map.of(
                "",
                ready,
                READINESS,
                ready,
                LIVENESS,
                live,
                KVGrpcService.SERVICE_NAME.fullyQualifiedName(),
                ready,
                ClusterGrpcService.SERVICE_NAME.fullyQualifiedName(),
                live);
    }
}
