package io.raftkv.node.etcd;

import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.lease.LeaseKeeper;
import io.raftkv.node.metrics.ProposalMetrics;
import io.raftkv.node.security.ClientPortSecurity;
import io.raftkv.node.server.CallRunner;
import io.raftkv.node.server.ReadPool;
import io.raftkv.node.server.ServerLimits;
import io.raftkv.node.watch.WatchHub;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServer;

/**
 * etcd's v3 API on the node's client port, beside RaftKV's own services: KV, Watch, Lease,
 * Maintenance, Cluster, Auth ({@link EtcdAuth}), and the server-side lock and election
 * ({@link EtcdLock}, {@link EtcdElection}). What RaftKV cannot do answers UNIMPLEMENTED with a
 * message saying what is missing (never a silent wrong answer). Every call runs under the client port's {@link CallRunner}
 * (admission, size limit, deadline, authorization) like RaftKV's own.
 */
public final class EtcdServices implements AutoCloseable {
    private final EtcdForwarder forwarder;

    private EtcdServices(EtcdForwarder forwarder) {
        this.forwarder = forwarder;
    }

    /**
     * Adds the etcd services to {@code grpc}.
     *
     * @param security the client port's TLS and authentication: member URLs are https under TLS, a
     *                 follower forwards writes with the node's certificate, and etcd's Auth service
     *                 answers from it
     * @param watch    the member's watchers (etcd's Watch, and what Lock and Election wait on)
     * @param leases   lease time on the leader (etcd's Lease service)
     */
    public static EtcdServices addTo(
            GrpcServer grpc,
            Vertx vertx,
            RaftNodeApi node,
            KvReader reader,
            ReadPool reads,
            ServerLimits limits,
            ProposalMetrics proposals,
            CallRunner calls,
            ClientPortSecurity security,
            WatchHub watch,
            LeaseKeeper leases) {
        boolean tls = security.secure(new HttpServerOptions()).isSsl();
        EtcdForwarder forwarder =
                new EtcdForwarder(vertx, node, security, limits.maxDeadline().toMillis(), limits.maxInFlightCalls());
        EtcdKv kv = new EtcdKv(node, reader, reads, limits, proposals, forwarder);
        grpc.addService(kv.bindTo(calls));
        EtcdRecipes recipes = new EtcdRecipes(vertx, kv, forwarder, watch, limits);
        grpc.addService(new EtcdLock(recipes).bindTo(calls));
        grpc.addService(
                new EtcdElection(recipes, new EtcdObserveCall.Factory(vertx, calls, recipes, watch)).bindTo(calls));
        grpc.addService(new EtcdMaintenance(vertx, node, reader, reads, forwarder)
                .bindTo(calls, new EtcdSnapshotCall.Factory(vertx, node, calls, reads, limits)));
        grpc.addService(new EtcdCluster(node, reader, forwarder, tls).bindTo(calls));
        grpc.addService(new EtcdAuth(node, reader, security).bindTo(calls));
        grpc.addService(new EtcdWatch(vertx, watch, calls, limits).service());
        grpc.addService(new EtcdLease(node, reader, leases, reads, limits, forwarder).bindTo(calls));
        return new EtcdServices(forwarder);
    }

    @Override
    public void close() {
        forwarder.close();
    }
}
