package io.raftkv.node.server;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.AddLearnerRequest;
import io.raftkv.api.v1.AddLearnerResponse;
import io.raftkv.api.v1.ClusterGrpcService;
import io.raftkv.api.v1.MemberListRequest;
import io.raftkv.api.v1.MemberListResponse;
import io.raftkv.api.v1.PromoteMemberRequest;
import io.raftkv.api.v1.PromoteMemberResponse;
import io.raftkv.api.v1.RemoveMemberRequest;
import io.raftkv.api.v1.RemoveMemberResponse;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.api.v1.TransferLeadershipRequest;
import io.raftkv.api.v1.TransferLeadershipResponse;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.net.HostPort;
import io.vertx.core.Future;
import io.vertx.grpc.server.Service;
import java.util.Objects;

/**
 * {@code raftkv.v1.Cluster}: status and membership. Status and MemberList are answered by any node
 * from its own view; membership changes and leadership transfer are validated here (id 0,
 * malformed addresses, ids not in the configuration) and then run by the driver, which answers
 * NOT_LEADER on a follower (FAILED_PRECONDITION + leader hint, like KV writes: no forwarding).
 *
 * <p>An id that is not in this node's applied configuration is NOT_FOUND (reason UNKNOWN_MEMBER),
 * the status the API reference gives for an unknown member; the driver checks again against the
 * leader's configuration, which may be newer.
 *
 * <p>The streamed {@code Snapshot} download is {@link SnapshotDownloadCall}'s.
 */
public final class ClusterService extends io.raftkv.api.v1.ClusterService {
    /** Reported in {@code StatusResponse.version}: the jar's Implementation-Version, or "dev". */
    static final String VERSION =
            Objects.requireNonNullElse(ClusterService.class.getPackage().getImplementationVersion(), "dev");

    private final RaftNodeApi node;
    private final KvReader reader;
    private final ReadPool reads;

    public ClusterService(RaftNodeApi node, KvReader reader, ReadPool reads) {
        this.node = Objects.requireNonNull(node, "node");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.reads = Objects.requireNonNull(reads, "reads");
    }

    /** This service with its unary methods run by {@code calls} and Snapshot by {@code snapshots}. */
    public Service bindTo(CallRunner calls, SnapshotDownloadCall.Factory snapshots) {
        return Service.service(ClusterGrpcService.SERVICE_NAME, ClusterGrpcService.SERVICE_DESCRIPTOR)
                .bind(ClusterGrpcService.Status, calls.unary(ClusterGrpcService.Status, this::status))
                .bind(ClusterGrpcService.MemberList, calls.unary(ClusterGrpcService.MemberList, this::memberList))
                .bind(ClusterGrpcService.AddLearner, calls.unary(ClusterGrpcService.AddLearner, this::addLearner))
                .bind(
                        ClusterGrpcService.PromoteMember,
                        calls.unary(ClusterGrpcService.PromoteMember, this::promoteMember))
                .bind(ClusterGrpcService.RemoveMember, calls.unary(ClusterGrpcService.RemoveMember, this::removeMember))
                .bind(
                        ClusterGrpcService.TransferLeadership,
                        calls.unary(ClusterGrpcService.TransferLeadership, this::transferLeadership))
                .bind(ClusterGrpcService.Snapshot, snapshots::handle)
                .build();
    }

    /**
     * This node's view. With {@code include_state_hash}, hashes the state machine on the read pool;
     * {@code state_hash_index} is the applied index read from the same RocksDB snapshot as the
     * hashed data, so it is exact even while entries are applied, and replicas can be compared at
     * equal indexes. {@code db_size_bytes} is the storage's cached on-disk size.
     */
    @Override
    public Future<StatusResponse> status(StatusRequest r) {
        NodeStatus s = node.status();
        StatusResponse.Builder b = StatusResponse.newBuilder()
                .setHeader(Protos.header(s, s.appliedIndex()))
                .setId(s.id())
                .setRole(Protos.role(s))
                .setLearner(s.learner())
                .setTerm(s.term())
                .setLeaderId(s.leaderId())
                .setLeaderAddress(s.leaderClientAddress())
                .setCommitIndex(s.commitIndex())
                .setAppliedIndex(s.appliedIndex())
                .setFirstIndex(s.firstIndex())
                .setLastIndex(s.lastIndex())
                .setSnapshotIndex(s.snapshotIndex())
                .setVersion(VERSION)
                .setDbSizeBytes(s.dbSizeBytes())
                .addAllMembers(Protos.members(s))
                .addAllAlarms(AlarmService.members(node.alarms().active().alarms()))
                .setQuotaBackendBytes(node.alarms().quotaBytes())
                .setDataBytes(node.alarms().dataBytes());
        s.progress().forEach(p -> b.addProgress(Protos.progress(p)));
        if (!r.getIncludeStateHash()) {
            return Future.succeededFuture(b.build());
        }
        return reads.submit(reader::stateHash)
                .map(h -> b.setStateHash(h.hash())
                        .setStateHashIndex(h.appliedIndex())
                        .build());
    }

    @Override
    public Future<MemberListResponse> memberList(MemberListRequest r) {
        NodeStatus s = node.status();
        return Future.succeededFuture(MemberListResponse.newBuilder()
                .setHeader(Protos.header(s, s.appliedIndex()))
                .addAllMembers(Protos.members(s))
                .build());
    }

    @Override
    public Future<AddLearnerResponse> addLearner(AddLearnerRequest r) {
        return Calls.guarded(() -> {
            String peer = address("peer_address", r.getPeerAddress(), true);
            String client = address("client_address", r.getClientAddress(), false);
            return node.addLearner(r.getId(), peer, client).map(id -> {
                NodeStatus s = node.status();
                AddLearnerResponse.Builder b = AddLearnerResponse.newBuilder()
                        .setHeader(Protos.header(s, s.appliedIndex()))
                        .addAllMembers(Protos.members(s));
                NodeStatus.Member added = s.members().stream()
                        .filter(m -> m.id() == id)
                        .findFirst()
                        .orElse(new NodeStatus.Member(id, true, peer, client));
                return b.setMember(Protos.member(added)).build();
            });
        });
    }

    @Override
    public Future<PromoteMemberResponse> promoteMember(PromoteMemberRequest r) {
        return Calls.guarded(() -> node.promote(knownMember(r.getId())).map(v -> {
            NodeStatus s = node.status();
            return PromoteMemberResponse.newBuilder()
                    .setHeader(Protos.header(s, s.appliedIndex()))
                    .addAllMembers(Protos.members(s))
                    .build();
        }));
    }

    @Override
    public Future<RemoveMemberResponse> removeMember(RemoveMemberRequest r) {
        return Calls.guarded(() -> node.remove(knownMember(r.getId())).map(v -> {
            NodeStatus s = node.status();
            return RemoveMemberResponse.newBuilder()
                    .setHeader(Protos.header(s, s.appliedIndex()))
                    .addAllMembers(Protos.members(s))
                    .build();
        }));
    }

    @Override
    public Future<TransferLeadershipResponse> transferLeadership(TransferLeadershipRequest r) {
        return Calls.guarded(() -> {
            long target = r.getTargetId() == 0 ? 0 : knownMember(r.getTargetId());
            return node.transferLeadership(target).map(v -> {
                NodeStatus s = node.status();
                return TransferLeadershipResponse.newBuilder()
                        .setHeader(Protos.header(s, s.appliedIndex()))
                        .setLeaderId(s.leaderId())
                        .setLeaderAddress(s.leaderClientAddress())
                        .build();
            });
        });
    }

    /** {@code id} when it is a member of this node's configuration; INVALID_ARGUMENT / NOT_FOUND otherwise. */
    private long knownMember(long id) {
        if (id == 0) {
            throw GrpcErrors.invalid("id is required (member ids are never 0)");
        }
        NodeStatus s = node.status();
        if (s.members().stream().noneMatch(m -> m.id() == id)) {
            throw RaftKvException.of(
                    ErrorReason.UNKNOWN_MEMBER,
                    "no member has id " + Long.toUnsignedString(id) + "; members are "
                            + s.members().stream()
                                    .map(m -> Long.toUnsignedString(m.id()))
                                    .toList());
        }
        return id;
    }

    private static String address(String field, String text, boolean required) {
        if (text.isEmpty()) {
            if (required) {
                throw GrpcErrors.invalid(field + " is required (host:port)");
            }
            return "";
        }
        try {
            HostPort hp = HostPort.parse(text);
            if (hp.port() == 0) {
                throw new IllegalArgumentException("port must not be 0");
            }
            return hp.toString();
        } catch (IllegalArgumentException e) {
            throw GrpcErrors.invalid(field + " is not a valid host:port: " + e.getMessage());
        }
    }
}
