package io.raftkv.node.etcd;

import com.google.protobuf.ByteString;
import io.raftkv.etcd.api.LeaseGrantRequest;
import io.raftkv.etcd.api.LeaseGrantResponse;
import io.raftkv.etcd.api.LeaseGrpcClient;
import io.raftkv.etcd.api.LeaseGrpcService;
import io.raftkv.etcd.api.LeaseRevokeRequest;
import io.raftkv.etcd.api.LeaseRevokeResponse;
import io.raftkv.etcd.api.LeaseTimeToLiveRequest;
import io.raftkv.etcd.api.LeaseTimeToLiveResponse;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.node.lease.LeaseKeeper;
import io.raftkv.node.server.CallRunner;
import io.raftkv.node.server.ReadPool;
import io.raftkv.node.server.ServerLimits;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.Service;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code etcdserverpb.Lease} on RaftKV's leases: grants and revocations are Raft proposals (the
 * replicated lease table, {@link Command.LeaseGrant}/{@link Command.LeaseRevoke}); deadlines,
 * renewals and remaining TTLs are the leader's {@link LeaseKeeper}'s. A call that reaches a
 * follower goes to the leader ({@link EtcdForwarder}), as an etcd member forwards lease calls; a
 * keep-alive stream is relayed ({@link EtcdKeepAlive}).
 *
 * <p>etcd's rules: a TTL below the minimum (1.5 election timeouts, rounded up) is raised to it, one
 * above 9,000,000,000 s is {@code too large lease TTL}; ID 0 lets the server choose (a random
 * positive id not in use); an id in use is {@code lease already exists}; an unknown lease is
 * {@code requested lease not found} for a revoke, {@code TTL = -1} for TimeToLive and
 * {@code TTL = 0} for a keep-alive. TimeToLive's remaining TTL is truncated to whole seconds, as
 * etcd's. Differs: a negative ID (etcd accepts one) is refused INVALID_ARGUMENT.
 */
final class EtcdLease {
    private final RaftNodeApi node;
    private final KvReader reader;
    private final LeaseKeeper keeper;
    private final ReadPool reads;
    private final ServerLimits limits;
    private final EtcdForwarder forwarder;

    EtcdLease(
            RaftNodeApi node,
            KvReader reader,
            LeaseKeeper keeper,
            ReadPool reads,
            ServerLimits limits,
            EtcdForwarder forwarder) {
        this.node = Objects.requireNonNull(node, "node");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.keeper = Objects.requireNonNull(keeper, "keeper");
        this.reads = Objects.requireNonNull(reads, "reads");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.forwarder = Objects.requireNonNull(forwarder, "forwarder");
    }

    Service bindTo(CallRunner calls) {
        return Service.service(LeaseGrpcService.SERVICE_NAME, LeaseGrpcService.SERVICE_DESCRIPTOR)
                .bind(
                        LeaseGrpcService.LeaseGrant,
                        forwarder.write(calls, LeaseGrpcService.LeaseGrant, LeaseGrpcClient.LeaseGrant, this::grant))
                .bind(
                        LeaseGrpcService.LeaseRevoke,
                        forwarder.write(calls, LeaseGrpcService.LeaseRevoke, LeaseGrpcClient.LeaseRevoke, this::revoke))
                .bind(
                        LeaseGrpcService.LeaseTimeToLive,
                        forwarder.write(
                                calls,
                                LeaseGrpcService.LeaseTimeToLive,
                                LeaseGrpcClient.LeaseTimeToLive,
                                this::timeToLive))
                .bind(
                        LeaseGrpcService.LeaseKeepAlive,
                        request -> new EtcdKeepAlive(calls, request, node, reader, keeper, forwarder).start())
                .build();
    }

    Future<LeaseGrantResponse> grant(LeaseGrantRequest r) {
        if (r.getTTL() > Command.MAX_LEASE_TTL_SECONDS) {
            throw EtcdErrors.LEASE_TTL_TOO_LARGE;
        }
        if (r.getID() < 0) {
            throw EtcdErrors.invalid(
                    "raftkv: a lease ID must be positive (0: the server chooses one), got " + r.getID());
        }
        long ttl = Math.max(r.getTTL(), keeper.minTtlSeconds());
        long id = r.getID() != 0 ? r.getID() : unusedId(reader.leases());
        return propose(Command.of(new Command.LeaseGrant(id, ttl))).map(res -> {
            if (res.status() == ApplyResult.Status.REJECTED) {
                throw EtcdErrors.LEASE_EXIST;
            }
            requireApplied(res);
            return LeaseGrantResponse.newBuilder()
                    .setHeader(EtcdProtos.header(node.status(), res.revision()))
                    .setID(id)
                    .setTTL(ttl)
                    .build();
        });
    }

    private static long unusedId(Map<Long, Long> table) {
        while (true) {
            long id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
            if (id != 0 && !table.containsKey(id)) {
                return id;
            }
        }
    }

    Future<LeaseRevokeResponse> revoke(LeaseRevokeRequest r) {
        if (r.getID() <= 0) {
            throw EtcdErrors.LEASE_NOT_FOUND;
        }
        return propose(Command.of(new Command.LeaseRevoke(r.getID(), false))).map(res -> {
            if (res.status() == ApplyResult.Status.LEASE_NOT_FOUND) {
                throw EtcdErrors.LEASE_NOT_FOUND;
            }
            requireApplied(res);
            return LeaseRevokeResponse.newBuilder()
                    .setHeader(EtcdProtos.header(node.status(), res.revision()))
                    .build();
        });
    }

    /** On the leader (after its LEASE read barrier): the remaining TTL on its clock, then the keys. */
    Future<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r) {
        long id = r.getID();
        if (id <= 0) {
            return Future.succeededFuture(unknown(id));
        }
        return keeper.remainingNanos(id)
                .compose(remaining -> reads.submit(() -> {
                    Long granted = reader.leases().get(id);
                    if (granted == null || remaining < 0) {
                        return unknown(id);
                    }
                    LeaseTimeToLiveResponse.Builder b = LeaseTimeToLiveResponse.newBuilder()
                            .setHeader(EtcdProtos.header(
                                    node.status(), reader.revisions().current()))
                            .setID(id)
                            .setGrantedTTL(granted)
                            .setTTL(remaining / 1_000_000_000L);
                    if (r.getKeys()) {
                        RangeResult keys = reader.leaseKeys(id, limits.maxRangeLimit());
                        if (keys.more()) {
                            throw EtcdErrors.invalid("etcdserver: request is too large: lease " + id + " has more than "
                                    + limits.maxRangeLimit()
                                    + " keys attached, the most TimeToLive lists (maxRangeLimit)");
                        }
                        keys.keyValues().forEach(k -> b.addKeys(ByteString.copyFrom(k.key())));
                    }
                    return b.build();
                }));
    }

    /** etcd's answer for a lease it does not know: TTL -1, an empty header. */
    private static LeaseTimeToLiveResponse unknown(long id) {
        return LeaseTimeToLiveResponse.newBuilder()
                .setHeader(io.raftkv.etcd.api.ResponseHeader.getDefaultInstance())
                .setID(id)
                .setTTL(-1)
                .build();
    }

    private Future<ApplyResult> propose(Command c) {
        return node.propose(CommandCodec.encode(c)).map(res -> {
            if (res.status() == ApplyResult.Status.ALARM) {
                throw EtcdErrors.alarm(res.refusingAlarm());
            }
            return res;
        });
    }

    private static void requireApplied(ApplyResult res) {
        if (res.status() != ApplyResult.Status.APPLIED) {
            throw io.raftkv.api.RaftKvException.of(
                    GrpcStatus.INTERNAL,
                    "lease command at index " + res.index() + " ended " + res.status()
                            + (res.reason() == null ? "" : ": " + res.reason()));
        }
    }
}
