package io.raftkv.node.server;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.LeaseGrantRequest;
import io.raftkv.api.v1.LeaseGrantResponse;
import io.raftkv.api.v1.LeaseGrpcService;
import io.raftkv.api.v1.LeaseLeasesRequest;
import io.raftkv.api.v1.LeaseLeasesResponse;
import io.raftkv.api.v1.LeaseRevokeRequest;
import io.raftkv.api.v1.LeaseRevokeResponse;
import io.raftkv.api.v1.LeaseStatus;
import io.raftkv.api.v1.LeaseTimeToLiveRequest;
import io.raftkv.api.v1.LeaseTimeToLiveResponse;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.driver.ReadConsistency;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.node.lease.LeaseKeeper;
import io.raftkv.node.metrics.MeterGroup;
import io.raftkv.node.metrics.RaftKvMeters;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.Service;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code raftkv.v1.Lease}: grants and revocations go through Raft like any write (so a follower
 * answers NOT_LEADER); renewals and remaining TTLs are the leader's {@link LeaseKeeper}'s, which
 * holds the deadlines. KeepAlive streams are served by {@link KeepAliveCall}.
 *
 * <p>Grant: a request without an id gets a random positive one not in the table; the id travels in
 * the proposal, so applying it is deterministic. A TTL below {@link LeaseKeeper#minTtlSeconds()}
 * is raised to it, as etcd does. Revoke deletes the lease's keys in the same entry.
 */
public final class LeaseService extends MeterGroup {
    private final RaftNodeApi node;
    private final KvReader reader;
    private final LeaseKeeper keeper;
    private final ReadPool reads;
    private final ServerLimits limits;
    private final Counter grants;
    private final Counter revocations;

    public LeaseService(
            RaftNodeApi node,
            KvReader reader,
            LeaseKeeper keeper,
            ReadPool reads,
            ServerLimits limits,
            MeterRegistry registry) {
        super(registry);
        this.reader = Objects.requireNonNull(reader, "reader");
        this.node = Objects.requireNonNull(node, "node");
        this.keeper = Objects.requireNonNull(keeper, "keeper");
        this.reads = Objects.requireNonNull(reads, "reads");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.grants = track(Counter.builder(RaftKvMeters.LEASE_GRANTS.name())
                .description(RaftKvMeters.LEASE_GRANTS.description())
                .register(registry));
        this.revocations = track(Counter.builder(RaftKvMeters.LEASE_REVOCATIONS.name())
                .description(RaftKvMeters.LEASE_REVOCATIONS.description())
                .register(registry));
    }

    /** This service with every method run by {@code calls} (deadlines, admission, auth, error trailers). */
    public Service bindTo(CallRunner calls) {
        return Service.service(LeaseGrpcService.SERVICE_NAME, LeaseGrpcService.SERVICE_DESCRIPTOR)
                .bind(LeaseGrpcService.Grant, calls.unary(LeaseGrpcService.Grant, this::grant))
                .bind(LeaseGrpcService.Revoke, calls.unary(LeaseGrpcService.Revoke, this::revoke))
                .bind(LeaseGrpcService.TimeToLive, calls.unary(LeaseGrpcService.TimeToLive, this::timeToLive))
                .bind(LeaseGrpcService.Leases, calls.unary(LeaseGrpcService.Leases, this::leases))
                .bind(LeaseGrpcService.KeepAlive, stream -> new KeepAliveCall(calls, stream, keeper).start())
                .build();
    }

    public Future<LeaseGrantResponse> grant(LeaseGrantRequest r) {
        return Calls.guarded(() -> {
            if (r.getTtl() < 1 || r.getTtl() > Command.MAX_LEASE_TTL_SECONDS) {
                throw GrpcErrors.invalid(
                        "ttl must be 1.." + Command.MAX_LEASE_TTL_SECONDS + " seconds, got " + r.getTtl());
            }
            if (r.getId() < 0) {
                throw GrpcErrors.invalid("id must be > 0, or 0 for the leader to pick one; got " + r.getId());
            }
            long ttl = Math.max(r.getTtl(), keeper.minTtlSeconds());
            long id = r.getId() != 0 ? r.getId() : unusedId(reader.leases());
            byte[] data = CommandCodec.encode(Command.of(new Command.LeaseGrant(id, ttl)));
            return node.propose(data).map(res -> {
                if (res.status() == ApplyResult.Status.REJECTED) {
                    throw RaftKvException.of(GrpcStatus.ALREADY_EXISTS, "lease already exists (lease " + id + ")");
                }
                requireApplied(res);
                grants.increment();
                return LeaseGrantResponse.newBuilder()
                        .setHeader(Protos.header(node.status(), res.index()))
                        .setId(id)
                        .setTtl(ttl)
                        .build();
            });
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

    public Future<LeaseRevokeResponse> revoke(LeaseRevokeRequest r) {
        return Calls.guarded(() -> {
            long id = positiveId(r.getId());
            byte[] data = CommandCodec.encode(Command.of(new Command.LeaseRevoke(id, false)));
            return node.propose(data).map(res -> {
                if (res.status() == ApplyResult.Status.LEASE_NOT_FOUND) {
                    throw RaftKvException.of(ErrorReason.LEASE_NOT_FOUND, res.reason());
                }
                requireApplied(res);
                revocations.increment();
                return LeaseRevokeResponse.newBuilder()
                        .setHeader(Protos.header(node.status(), res.index()))
                        .setDeleted(res.txnResults().size())
                        .build();
            });
        });
    }

    /** Leader only: the remaining TTL is the leader's; the keys are read after a linearizable barrier. */
    public Future<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r) {
        return Calls.guarded(() -> {
            long id = positiveId(r.getId());
            return keeper.remainingNanos(id)
                    .compose(remaining -> reads.submit(() -> {
                        long applied = reader.appliedIndex();
                        Long granted = reader.leases().get(id);
                        LeaseTimeToLiveResponse.Builder b = LeaseTimeToLiveResponse.newBuilder()
                                .setHeader(Protos.header(node.status(), applied))
                                .setId(id);
                        if (granted == null || remaining < 0) {
                            return b.setTtl(-1).build();
                        }
                        b.setGrantedTtl(granted).setTtl((remaining + 999_999_999L) / 1_000_000_000L);
                        if (r.getKeys()) {
                            RangeResult keys = reader.leaseKeys(id, limits.maxRangeLimit());
                            keys.keyValues().forEach(k -> b.addKeys(ByteString.copyFrom(k.key())));
                            b.setMoreKeys(keys.more());
                        }
                        return b.build();
                    }));
        });
    }

    /** Any member, after a linearizable read barrier: the replicated table. */
    public Future<LeaseLeasesResponse> leases(LeaseLeasesRequest r) {
        return Calls.guarded(() -> node.readBarrier(ReadConsistency.LINEARIZABLE)
                .map(v -> {
                    long applied = reader.appliedIndex();
                    LeaseLeasesResponse.Builder b =
                            LeaseLeasesResponse.newBuilder().setHeader(Protos.header(node.status(), applied));
                    new TreeMap<>(reader.leases())
                            .forEach((id, ttl) -> b.addLeases(
                                    LeaseStatus.newBuilder().setId(id).setGrantedTtl(ttl)));
                    return b.build();
                }));
    }

    private static long positiveId(long id) {
        if (id <= 0) {
            throw GrpcErrors.invalid("id must be > 0, got " + id);
        }
        return id;
    }

    private static void requireApplied(ApplyResult res) {
        if (res.status() != ApplyResult.Status.APPLIED) {
            throw RaftKvException.of(
                    GrpcStatus.INTERNAL,
                    "lease command at index " + res.index() + " ended " + res.status()
                            + (res.reason() == null ? "" : ": " + res.reason()));
        }
    }
}
