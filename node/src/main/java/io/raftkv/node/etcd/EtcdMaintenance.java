package io.raftkv.node.etcd;

import io.raftkv.etcd.api.AlarmMember;
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
import io.raftkv.node.kv.ActiveAlarms;
import io.raftkv.node.kv.AlarmType;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.kv.StateHash;
import io.raftkv.node.server.CallRunner;
import io.raftkv.node.server.ReadPool;
import io.vertx.core.Future;
import io.vertx.grpc.server.Service;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code etcdserverpb.Maintenance}: Status from the node's own view, Hash/HashKV from the state
 * machine's digest, Snapshot as a stream of RaftKV's snapshot ({@link EtcdSnapshotCall}),
 * MoveLeader as a leadership transfer, Defragment as an answered no-op, Alarm on RaftKV's
 * replicated alarms.
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
    private final EtcdForwarder forwarder;
    private final io.vertx.core.Vertx vertx;

    EtcdMaintenance(
            io.vertx.core.Vertx vertx, RaftNodeApi node, KvReader reader, ReadPool reads, EtcdForwarder forwarder) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.forwarder = Objects.requireNonNull(forwarder, "forwarder");
        this.node = Objects.requireNonNull(node, "node");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.reads = Objects.requireNonNull(reads, "reads");
    }

    Service bindTo(CallRunner calls, EtcdSnapshotCall.Factory snapshots) {
        return Service.service(MaintenanceGrpcService.SERVICE_NAME, MaintenanceGrpcService.SERVICE_DESCRIPTOR)
                .bind(
                        MaintenanceGrpcService.Status,
                        calls.unary(MaintenanceGrpcService.Status, r -> EtcdKv.etcd(() -> status(r))))
                .bind(
                        MaintenanceGrpcService.Hash,
                        calls.unary(MaintenanceGrpcService.Hash, r -> EtcdKv.etcd(() -> hash(r))))
                .bind(
                        MaintenanceGrpcService.HashKV,
                        calls.unary(MaintenanceGrpcService.HashKV, r -> EtcdKv.etcd(() -> hashKv(r))))
                .bind(
                        MaintenanceGrpcService.Alarm,
                        forwarder.write(
                                calls,
                                MaintenanceGrpcService.Alarm,
                                io.raftkv.etcd.api.MaintenanceGrpcClient.Alarm,
                                this::alarm))
                .bind(
                        MaintenanceGrpcService.Defragment,
                        calls.unary(MaintenanceGrpcService.Defragment, r -> EtcdKv.etcd(() -> defragment(r))))
                .bind(
                        MaintenanceGrpcService.MoveLeader,
                        calls.unary(MaintenanceGrpcService.MoveLeader, r -> EtcdKv.etcd(() -> moveLeader(r))))
                .bind(MaintenanceGrpcService.Snapshot, snapshots::handle)
                .build();
    }

    Future<StatusResponse> status(StatusRequest r) {
        NodeStatus s = node.status();
        return Future.succeededFuture(StatusResponse.newBuilder()
                .setHeader(EtcdProtos.header(s, reader.revisions().current()))
                .setVersion(API_VERSION)
                .setDbSize(s.dbSizeBytes())
                .setDbSizeInUse(s.dbSizeBytes())
                .setLeader(s.leaderId())
                .setRaftIndex(s.commitIndex())
                .setRaftTerm(s.term())
                .setRaftAppliedIndex(s.appliedIndex())
                .setIsLearner(s.learner())
                .addAllErrors(node.alarms().active().alarms().stream()
                        .map(a -> "memberID:" + a.memberId() + " alarm:"
                                + a.type().name())
                        .toList())
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
            return HashResponse.newBuilder()
                    .setHeader(
                            EtcdProtos.header(node.status(), reader.revisions().current()))
                    .setHash((int) (h.hash() ^ (h.hash() >>> 32)))
                    .build();
        });
    }

    /** As {@link #hash}, at the current revision only ({@code revision} 0 or the current one). */
    /**
     * etcd's HashKV: a digest of the keyspace's history up to the revision (0: the current one),
     * as {@link KvReader#mvccHash} defines it, with the compact revision; at or before the compact
     * revision {@code compacted}, after the current one {@code future revision}, as etcd.
     */
    Future<HashKVResponse> hashKv(HashKVRequest r) {
        if (r.getRevision() < 0) {
            throw EtcdErrors.invalid("etcdserver: revision must not be negative, got " + r.getRevision());
        }
        return reads.submit(() -> {
            KvReader.MvccHash h;
            try {
                h = reader.mvccHash(r.getRevision());
            } catch (io.raftkv.node.kv.RevisionUnavailableException e) {
                // etcd refuses a HashKV at the compact revision too (its reads take that one).
                throw e.requested() > reader.revisions().current() ? EtcdErrors.FUTURE_REV : EtcdErrors.COMPACTED;
            }
            return HashKVResponse.newBuilder()
                    .setHeader(
                            EtcdProtos.header(node.status(), reader.revisions().current()))
                    .setHash(h.hash())
                    .setCompactRevision(h.compacted())
                    .build();
        });
    }

    /**
     * etcd's alarms are RaftKV's replicated alarms ({@code io.raftkv.node.alarm.Alarms}), type codes
     * one to one (NOSPACE = 1, CORRUPT = 2). GET lists the active ones; DEACTIVATE disarms (leader:
     * the call is forwarded there), with RaftKV's check that the data is back under the quota;
     * ACTIVATE raises an alarm by hand for a member, through the log as a member's own raise.
     */
    Future<AlarmResponse> alarm(AlarmRequest r) {
        return switch (r.getAction()) {
            case GET -> Future.succeededFuture(alarms(node.alarms().active().alarms()));
            case DEACTIVATE -> {
                AlarmType type = r.getAlarmValue() == 0 ? null : typeOf(r.getAlarmValue());
                yield node.alarms().disarm(type, r.getMemberID(), vertx).map(this::alarms);
            }
            case ACTIVATE -> activate(r);
            case UNRECOGNIZED -> throw EtcdErrors.invalid("etcdserver: unknown alarm action");
        };
    }

    /**
     * etcd's ACTIVATE: the alarm of {@code alarm} for {@code memberID} (a current member), replicated
     * like a member's own raise; answers the alarm raised (none when it was active already).
     */
    private Future<AlarmResponse> activate(AlarmRequest r) {
        if (r.getAlarmValue() == 0) {
            throw EtcdErrors.invalid("etcdserver: ACTIVATE needs an alarm type (NOSPACE or CORRUPT)");
        }
        AlarmType type = typeOf(r.getAlarmValue());
        long member = r.getMemberID();
        if (node.status().members().stream().noneMatch(m -> m.id() == member)) {
            throw EtcdErrors.MEMBER_NOT_FOUND;
        }
        if (node.alarms().active().active(type, member)) {
            return Future.succeededFuture(alarms(List.of()));
        }
        byte[] command = io.raftkv.node.kv.CommandCodec.encode(io.raftkv.node.kv.Command.of(
                new io.raftkv.node.kv.Command.Alarm(io.raftkv.node.kv.Command.AlarmAction.ACTIVATE, type, member)));
        return node.propose(command).map(res -> alarms(List.of(new ActiveAlarms.Alarm(type, member))));
    }

    private static AlarmType typeOf(int code) {
        for (AlarmType t : AlarmType.values()) {
            if (t.code() == code) {
                return t;
            }
        }
        throw EtcdErrors.invalid("etcdserver: unknown alarm type " + code);
    }

    private AlarmResponse alarms(List<ActiveAlarms.Alarm> list) {
        NodeStatus s = node.status();
        AlarmResponse.Builder b = AlarmResponse.newBuilder()
                .setHeader(EtcdProtos.header(s, reader.revisions().current()));
        for (ActiveAlarms.Alarm a : list) {
            b.addAlarms(AlarmMember.newBuilder()
                    .setMemberID(a.memberId())
                    .setAlarmValue(a.type().code()));
        }
        return b.build();
    }

    /**
     * RaftKV's RocksDB compacts itself in the background, so there is nothing to defragment: the
     * call succeeds at once, changes nothing, and says so in the node's log.
     */
    Future<DefragmentResponse> defragment(DefragmentRequest r) {
        LOG.info("etcd Defragment: a no-op on RaftKV (RocksDB compacts in the background)");
        NodeStatus s = node.status();
        return Future.succeededFuture(DefragmentResponse.newBuilder()
                .setHeader(EtcdProtos.header(s, reader.revisions().current()))
                .build());
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
        return node.transferLeadership(r.getTargetID())
                .map(v -> MoveLeaderResponse.newBuilder()
                        .setHeader(EtcdProtos.header(
                                node.status(), reader.revisions().current()))
                        .build());
    }
}
