package io.raftkv.node.etcd;

import io.raftkv.etcd.api.AlarmRequest;
import io.raftkv.etcd.api.AlarmResponse;
import io.raftkv.etcd.api.DefragmentRequest;
import io.raftkv.etcd.api.DefragmentResponse;
import io.raftkv.etcd.api.HashKVRequest;
import io.raftkv.etcd.api.HashKVResponse;
import io.raftkv.etcd.api.HashRequest;
import io.raftkv.etcd.api.HashResponse;
import io.raftkv.etcd.api.MaintenanceGrpcService;
import io.raftkv.etcd.api.MoveLeaderRequest;
import io.raftkv.etcd.api.MoveLeaderResponse;
import io.raftkv.etcd.api.StatusRequest;
import io.raftkv.etcd.api.StatusResponse;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.server.CallRunner;
import io.raftkv.node.server.KvReader;
import io.raftkv.node.server.ReadPool;
import io.raftkv.node.storage.StateHash;
import io.vertx.core.Future;
import io.vertx.grpc.server.Service;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code etcdserverpb.Maintenance}: Status from the node's own view, Hash/HashKV from the state
 * machine's digest, Snapshot as a stream of RaftKV's snapshot ({@link EtcdSnapshotCall}),
 * MoveLeader as a leadership transfer, Defragment as an answered no-op, Alarm as the (empty) list.
 */
final class EtcdMaintenance {
    /**
     * What {@code Status.version} reports: the etcd API level this server speaks (etcd's v3 API as
     * published with jetcd; etcdctl prints it as the server version).
     */
    static final String API_VERSION = "3.4.0";
    private static final Logger LOG = LoggerFactory.getLogger(EtcdMaintenance.class);

    private final RaftNodeApi node;
    private final KvReader reader;
    private final ReadPool reads;

    EtcdMaintenance(RaftNodeApi node, KvReader reader, ReadPool reads) {
        this.node = Objects.requireNonNull(node, "node");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.reads = Objects.requireNonNull(reads, "reads");
    }

    Service bindTo(CallRunner calls, EtcdSnapshotCall.Factory snapshots) {
        return Service.service(MaintenanceGrpcService.SERVICE_NAME, MaintenanceGrpcService.SERVICE_DESCRIPTOR)
                .bind(MaintenanceGrpcService.Status,
                        calls.unary(MaintenanceGrpcService.Status, r -> EtcdKv.etcd(() -> status(r))))
                .bind(MaintenanceGrpcService.Hash,
                        calls.unary(MaintenanceGrpcService.Hash, r -> EtcdKv.etcd(() -> hash(r))))
                .bind(MaintenanceGrpcService.HashKV,
                        calls.unary(MaintenanceGrpcService.HashKV, r -> EtcdKv.etcd(() -> hashKv(r))))
                .bind(MaintenanceGrpcService.Alarm,
                        calls.unary(MaintenanceGrpcService.Alarm, r -> EtcdKv.etcd(() -> alarm(r))))
                .bind(MaintenanceGrpcService.Defragment,
                        calls.unary(MaintenanceGrpcService.Defragment, r -> EtcdKv.etcd(() -> defragment(r))))
                .bind(MaintenanceGrpcService.MoveLeader,
                        calls.unary(MaintenanceGrpcService.MoveLeader, r -> EtcdKv.etcd(() -> moveLeader(r))))
                .bind(MaintenanceGrpcService.Snapshot, snapshots::handle)
                .build();
    }

    Future<StatusResponse> status(StatusRequest r) {
        NodeStatus s = node.status();
        return Future.succeededFuture(StatusResponse.newBuilder()
                .setHeader(EtcdProtos.header(s, s.appliedIndex()))
                .setVersion(API_VERSION)
                .setDbSize(s.dbSizeBytes())
                .setDbSizeInUse(s.dbSizeBytes())
                .setLeader(s.leaderId())
                .setRaftIndex(s.commitIndex())
                .setRaftTerm(s.term())
                .setRaftAppliedIndex(s.appliedIndex())
                .setIsLearner(s.learner())
                .build());
    }

    /**
     * etcd hashes its whole backend; RaftKV's digest covers the same thing (every key with its
     * value and revisions, and the client sessions) at the applied index it reports in the header,
     * truncated to etcd's 32 bits. Members agree when their header revisions are equal.
     */
    Future<HashResponse> hash(HashRequest r) {
        return reads.submit(() -> {
            StateHash h = reader.stateHash();
            return HashResponse.newBuilder().setHeader(EtcdProtos.header(node.status(), h.appliedIndex()))
                    .setHash((int) (h.hash() ^ (h.hash() >>> 32))).build();
        });
    }

    /** As {@link #hash}, at the current revision only ({@code revision} 0 or the current one). */
    Future<HashKVResponse> hashKv(HashKVRequest r) {
        if (r.getRevision() < 0) {
            throw EtcdErrors.invalid("etcdserver: revision must not be negative, got " + r.getRevision());
        }
        if (r.getRevision() > node.status().appliedIndex()) {
            throw EtcdErrors.FUTURE_REV;
        }
        return reads.submit(() -> {
            StateHash h = reader.stateHash();
            if (r.getRevision() != 0 && r.getRevision() != h.appliedIndex()) {
                throw EtcdErrors.unsupported("HashKV at a past revision (" + r.getRevision() + "; current "
                        + h.appliedIndex() + ")");
            }
            return HashKVResponse.newBuilder().setHeader(EtcdProtos.header(node.status(), h.appliedIndex()))
                    .setHash((int) (h.hash() ^ (h.hash() >>> 32))).setCompactRevision(0).build();
        });
    }

    /** No alarm mechanism in this build: the list is empty, and nothing can be raised or disarmed. */
    Future<AlarmResponse> alarm(AlarmRequest r) {
        return switch (r.getAction()) {
            case GET -> Future.succeededFuture(AlarmResponse.newBuilder()
                    .setHeader(EtcdProtos.header(node.status(), node.status().appliedIndex())).build());
            case ACTIVATE, DEACTIVATE -> throw EtcdErrors.unsupported("Alarm " + r.getAction()
                    + " (this build raises no alarms)");
            case UNRECOGNIZED -> throw EtcdErrors.invalid("etcdserver: unknown alarm action");
        };
    }

    /**
     * RaftKV's RocksDB compacts itself in the background, so there is nothing to defragment: the
     * call succeeds at once, changes nothing, and says so in the node's log.
     */
    Future<DefragmentResponse> defragment(DefragmentRequest r) {
        LOG.info("etcd Defragment: a no-op on RaftKV (RocksDB compacts in the background)");
        NodeStatus s = node.status();
        return Future.succeededFuture(DefragmentResponse.newBuilder()
                .setHeader(EtcdProtos.header(s, s.appliedIndex())).build());
    }

    /** etcd's MoveLeader: only the leader accepts it; RaftKV's leadership transfer does the rest. */
    Future<MoveLeaderResponse> moveLeader(MoveLeaderRequest r) {
        NodeStatus s = node.status();
        if (!s.isLeader()) {
            throw EtcdErrors.NOT_LEADER;
        }
        if (r.getTargetID() == 0 || s.members().stream().noneMatch(m -> m.id() == r.getTargetID())) {
            throw EtcdErrors.MEMBER_NOT_FOUND;
        }
        return node.transferLeadership(r.getTargetID()).map(v -> MoveLeaderResponse.newBuilder()
                .setHeader(EtcdProtos.header(node.status(), node.status().appliedIndex())).build());
    }
}
