package io.raftkv.node.etcd;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.etcd.api.CampaignRequest;
import io.raftkv.etcd.api.CampaignResponse;
import io.raftkv.etcd.api.Compare;
import io.raftkv.etcd.api.DeleteRangeRequest;
import io.raftkv.etcd.api.ElectionGrpcService;
import io.raftkv.etcd.api.LeaderKey;
import io.raftkv.etcd.api.LeaderRequest;
import io.raftkv.etcd.api.LeaderResponse;
import io.raftkv.etcd.api.ProclaimRequest;
import io.raftkv.etcd.api.ProclaimResponse;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.RequestOp;
import io.raftkv.etcd.api.ResignRequest;
import io.raftkv.etcd.api.ResignResponse;
import io.raftkv.etcd.api.TxnRequest;
import io.raftkv.node.server.CallRunner;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.Service;
import java.util.Objects;

/**
 * etcd's {@code v3electionpb.Election}, as etcd serves it (a {@code concurrency.Election} per call):
 *
 * <ul>
 *   <li><b>Campaign</b>{@code (name, lease, value)}: puts {@code name/<lease in hex>} = value with
 *       the lease unless it exists (an existing one of the same lease is proclaimed the new value),
 *       then waits until no candidate created before it is left; answers the {@link LeaderKey}
 *       (name, key, create revision, lease). The wait ends by the caller's deadline: the candidacy
 *       is then withdrawn and the call fails DEADLINE_EXCEEDED.</li>
 *   <li><b>Proclaim</b>{@code (leader, value)}: sets the leader key's value, only while that key
 *       still exists with the leader's create revision, else {@code election: not leader}.</li>
 *   <li><b>Leader</b>{@code (name)}: the candidate with the lowest create revision, else {@code
 *       election: no leader}. <b>Observe</b>: a stream of the leader and each change of it
 *       ({@link EtcdObserveCall}).</li>
 *   <li><b>Resign</b>{@code (leader)}: deletes the leader key if it is still that leader's.</li>
 * </ul>
 * The errors are etcd's {@code concurrency} errors, UNKNOWN with etcd's exact text (what jetcd and
 * Go's clientv3 match).
 */
final class EtcdElection {
    static final RaftKvException NOT_LEADER = RaftKvException.of(GrpcStatus.UNKNOWN, "election: not leader");
    static final RaftKvException NO_LEADER = RaftKvException.of(GrpcStatus.UNKNOWN, "election: no leader");

    private final EtcdRecipes recipes;
    private final EtcdObserveCall.Factory observers;

    EtcdElection(EtcdRecipes recipes, EtcdObserveCall.Factory observers) {
        this.recipes = Objects.requireNonNull(recipes, "recipes");
        this.observers = Objects.requireNonNull(observers, "observers");
    }

    Service bindTo(CallRunner calls) {
        return Service.service(ElectionGrpcService.SERVICE_NAME, ElectionGrpcService.SERVICE_DESCRIPTOR)
                .bind(ElectionGrpcService.Campaign, recipes.unary(calls, ElectionGrpcService.Campaign, this::campaign))
                .bind(ElectionGrpcService.Proclaim, recipes.unary(calls, ElectionGrpcService.Proclaim, this::proclaim))
                .bind(ElectionGrpcService.Leader, recipes.unary(calls, ElectionGrpcService.Leader, this::leader))
                .bind(ElectionGrpcService.Resign, recipes.unary(calls, ElectionGrpcService.Resign, this::resign))
                .bind(ElectionGrpcService.Observe, observers::handle)
                .build();
    }

    Future<CampaignResponse> campaign(EtcdRecipes.Call call, CampaignRequest r) {
        if (r.getName().isEmpty()) {
            throw EtcdErrors.invalid("raftkv: an election needs a name");
        }
        if (r.getLease() <= 0) {
            throw EtcdErrors.invalid("raftkv: a campaign needs a lease (LeaseGrant one and keep it alive)");
        }
        ByteString key = EtcdRecipes.entry(r.getName(), r.getLease());
        return recipes.join(call, key, r.getValue(), r.getLease()).compose(joined -> {
            long rev = EtcdRecipes.createRevision(joined);
            LeaderKey leader = LeaderKey.newBuilder()
                    .setName(r.getName())
                    .setKey(key)
                    .setRev(rev)
                    .setLease(r.getLease())
                    .build();
            Future<?> valued = joined.getSucceeded()
                            || joined.getResponses(0)
                                    .getResponseRange()
                                    .getKvs(0)
                                    .getValue()
                                    .equals(r.getValue())
                    ? Future.succeededFuture()
                    : proclaim(call, leader, r.getValue());
            return valued.compose(
                            v -> recipes.waitDeletes(EtcdRecipes.prefix(r.getName()), rev - 1, call.deadlineNanos()))
                    .compose(
                            header -> Future.succeededFuture(CampaignResponse.newBuilder()
                                    .setHeader(header)
                                    .setLeader(leader)
                                    .build()),
                            // Withdraw the candidacy, as etcd's Election resigns when its context ends.
                            failure -> resign(call, leader)
                                    .transform(ignored -> Future.<CampaignResponse>failedFuture(failure)));
        });
    }

    Future<ProclaimResponse> proclaim(EtcdRecipes.Call call, ProclaimRequest r) {
        requireLeaderKey(r.hasLeader(), r.getLeader());
        return proclaim(call, r.getLeader(), r.getValue())
                .map(h -> ProclaimResponse.newBuilder().setHeader(h).build());
    }

    private Future<io.raftkv.etcd.api.ResponseHeader> proclaim(EtcdRecipes.Call call, LeaderKey l, ByteString value) {
        TxnRequest t = TxnRequest.newBuilder()
                .addCompare(stillLeader(l))
                .addSuccess(RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder()
                                .setKey(l.getKey())
                                .setValue(value)
                                .setLease(l.getLease())))
                .build();
        return recipes.txn(call, t).map(resp -> {
            if (!resp.getSucceeded()) {
                throw NOT_LEADER;
            }
            return resp.getHeader();
        });
    }

    Future<LeaderResponse> leader(EtcdRecipes.Call call, LeaderRequest r) {
        return recipes.first(EtcdRecipes.prefix(r.getName())).map(resp -> {
            if (resp.getKvsCount() == 0) {
                throw NO_LEADER;
            }
            return LeaderResponse.newBuilder()
                    .setHeader(resp.getHeader())
                    .setKv(resp.getKvs(0))
                    .build();
        });
    }

    Future<ResignResponse> resign(EtcdRecipes.Call call, ResignRequest r) {
        requireLeaderKey(r.hasLeader(), r.getLeader());
        return resign(call, r.getLeader())
                .map(h -> ResignResponse.newBuilder().setHeader(h).build());
    }

    private Future<io.raftkv.etcd.api.ResponseHeader> resign(EtcdRecipes.Call call, LeaderKey l) {
        TxnRequest t = TxnRequest.newBuilder()
                .addCompare(stillLeader(l))
                .addSuccess(RequestOp.newBuilder()
                        .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(l.getKey())))
                .build();
        return recipes.txn(call, t).map(resp -> resp.getHeader());
    }

    private static Compare stillLeader(LeaderKey l) {
        return Compare.newBuilder()
                .setKey(l.getKey())
                .setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL)
                .setCreateRevision(l.getRev())
                .build();
    }

    /** etcd's {@code v3election.ErrMissingLeaderKey}. */
    private static void requireLeaderKey(boolean present, LeaderKey l) {
        if (!present || l.getKey().isEmpty()) {
            throw EtcdErrors.invalid("\"leader\" field must be provided");
        }
    }
}
