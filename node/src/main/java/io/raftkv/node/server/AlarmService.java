package io.raftkv.node.server;

import io.raftkv.api.v1.AlarmDisarmRequest;
import io.raftkv.api.v1.AlarmDisarmResponse;
import io.raftkv.api.v1.AlarmGrpcService;
import io.raftkv.api.v1.AlarmListRequest;
import io.raftkv.api.v1.AlarmListResponse;
import io.raftkv.api.v1.AlarmMember;
import io.raftkv.node.alarm.Alarms;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.kv.ActiveAlarms;
import io.raftkv.node.kv.AlarmType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.server.Service;
import java.util.List;
import java.util.Objects;

/**
 * {@code raftkv.v1.Alarm}: List (any member, from its applied alarm set) and Disarm (leader, admin
 * role: {@code CallPermissions}), both through {@link Alarms}. Proto alarm types carry
 * {@link AlarmType#code()} as their number.
 */
public final class AlarmService extends io.raftkv.api.v1.AlarmService {
    private final RaftNodeApi node;
    private final Vertx vertx;

    public AlarmService(Vertx vertx, RaftNodeApi node) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.node = Objects.requireNonNull(node, "node");
    }

    public Service bindTo(CallRunner calls) {
        return Service.service(AlarmGrpcService.SERVICE_NAME, AlarmGrpcService.SERVICE_DESCRIPTOR)
                .bind(AlarmGrpcService.List, calls.unary(AlarmGrpcService.List, this::list))
                .bind(AlarmGrpcService.Disarm, calls.unary(AlarmGrpcService.Disarm, this::disarm))
                .build();
    }

    @Override
    public Future<AlarmListResponse> list(AlarmListRequest r) {
        Alarms alarms = node.alarms();
        NodeStatus s = node.status();
        return Future.succeededFuture(AlarmListResponse.newBuilder()
                .setHeader(Protos.header(s, s.appliedIndex()))
                .addAllAlarms(members(alarms.active().alarms()))
                .setQuotaBackendBytes(alarms.quotaBytes())
                .setDataBytes(alarms.dataBytes())
                .build());
    }

    @Override
    public Future<AlarmDisarmResponse> disarm(AlarmDisarmRequest r) {
        return Calls.guarded(() -> {
            AlarmType type = r.getTypeValue() == 0 ? null : type(r.getTypeValue());
            return node.alarms().disarm(type, r.getMemberId(), vertx).map(cleared -> {
                NodeStatus s = node.status();
                return AlarmDisarmResponse.newBuilder()
                        .setHeader(Protos.header(s, s.appliedIndex()))
                        .addAllDisarmed(members(cleared))
                        .addAllAlarms(members(node.alarms().active().alarms()))
                        .build();
            });
        });
    }

    private static AlarmType type(int code) {
        try {
            return AlarmType.ofCode(code);
        } catch (IllegalArgumentException e) {
            throw GrpcErrors.invalid("unknown alarm type " + code);
        }
    }

    /** The proto form of {@code alarms}. */
    public static List<AlarmMember> members(List<ActiveAlarms.Alarm> alarms) {
        return alarms.stream()
                .map(a -> AlarmMember.newBuilder()
                        .setMemberId(a.memberId())
                        .setTypeValue(a.type().code())
                        .build())
                .toList();
    }
}
