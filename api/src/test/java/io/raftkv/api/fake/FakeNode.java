package io.raftkv.api.fake;

import com.google.protobuf.ByteString;
import io.raftkv.api.ErrorReason;
import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.v1.AddLearnerResponse;
import io.raftkv.api.v1.BackupChunk;
import io.raftkv.api.v1.BackupMetadata;
import io.raftkv.api.v1.BackupTrailer;
import io.raftkv.api.v1.ClusterGrpcService;
import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.CompareAndSetResponse;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.GetResponse;
import io.raftkv.api.v1.KVGrpcService;
import io.raftkv.api.v1.KeyValue;
import io.raftkv.api.v1.Member;
import io.raftkv.api.v1.MemberListResponse;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.PipelineRequest;
import io.raftkv.api.v1.PipelineResponse;
import io.raftkv.api.v1.PipelinedCall;
import io.raftkv.api.v1.PipelinedResult;
import io.raftkv.api.v1.PromoteMemberResponse;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.api.v1.RemoveMemberResponse;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.SnapshotResponse;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.api.v1.TransferLeadershipResponse;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.api.v1.TxnResponse;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * One in-process "node" of a {@link FakeCluster}: a real Vert.x gRPC server on a loopback port that
 * serves the generated KV and Cluster services from a shared {@link FakeStore}. Followers answer
 * leader-only calls with NOT_LEADER and the leader's address, like the real node. Tests script the
 * next answers of a method ({@link #script}) to inject failures or drop a response, and read what
 * arrived ({@link #received}). A test double for client tests, not a model of Raft.
 */
public final class FakeNode {
    /** What to do with the next call of a method. */
    public sealed interface Action permits Serve, Fail, Drop, Reset, Hold {}

    /** Serve normally. */
    public record Serve() implements Action {}

    /** Fail with this error (status, message and trailers). */
    public record Fail(RaftKvException error) implements Action {}

    /** Never answer (the client's attempt times out), but apply the call first if {@code apply}. */
    public record Drop(boolean apply) implements Action {}

    /**
     * Reset the call's HTTP/2 stream (for a pipelined call: the whole Pipeline stream, failing every
     * call on it), after applying the call if {@code apply}: a connection lost mid-call.
     */
    public record Reset(boolean apply) implements Action {}

    /** Answer (normally) only once {@code release} completes: a slow answer, held as long as a test needs. */
    public record Hold(java.util.concurrent.CompletableFuture<Void> release) implements Action {}

    /** One call as it arrived; {@code pipelined} when it came in a KV.Pipeline stream. */
    public record Received(String method, Object request, String remoteAddress, boolean pipelined) {
        public Received(String method, Object request, String remoteAddress) {
            this(method, request, remoteAddress, false);
        }
    }

    private final FakeCluster cluster;
    private final long id;
    private final Map<String, ConcurrentLinkedDeque<Action>> scripts = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile int snapshotChunkBytes = 16;
    private volatile boolean corruptSnapshot;
    private volatile boolean servePipeline = true;
    private final java.util.concurrent.atomic.AtomicInteger pipelineStreams =
            new java.util.concurrent.atomic.AtomicInteger();
    private HttpServer http;

    FakeNode(FakeCluster cluster, long id) {
        this.cluster = cluster;
        this.id = id;
    }

    void start(Vertx vertx) throws Exception {
        GrpcServer grpc = GrpcServer.server(vertx);
        FakeStore s = cluster.store();
        unary(grpc, KVGrpcService.Put, "Put", true, r -> s.put(id, r));
        unary(grpc, KVGrpcService.Get, "Get", false, r -> {
            leaderUnless(r.getConsistency() == ReadConsistency.SERIALIZABLE);
            GetResponse.Builder b = GetResponse.newBuilder().setHeader(s.header(id));
            KeyValue v = s.get(r.getKey());
            return v == null ? b.build() : b.setKv(v).build();
        });
        unary(grpc, KVGrpcService.Delete, "Delete", true, r -> s.delete(id, r));
        unary(grpc, KVGrpcService.Range, "Range", false, r -> {
            leaderUnless(r.getConsistency() == ReadConsistency.SERIALIZABLE);
            return s.range(id, r);
        });
        unary(grpc, KVGrpcService.CompareAndSet, "CompareAndSet", true, r -> s.compareAndSet(id, r));
        unary(grpc, KVGrpcService.Txn, "Txn", true, r -> s.txn(id, r));
        unary(grpc, ClusterGrpcService.Status, "Status", false, r -> status(r.getIncludeStateHash()));
        unary(
                grpc,
                ClusterGrpcService.MemberList,
                "MemberList",
                false,
                r -> MemberListResponse.newBuilder()
                        .setHeader(s.header(id))
                        .addAllMembers(s.members())
                        .build());
        unary(grpc, ClusterGrpcService.AddLearner, "AddLearner", true, r -> {
            if (r.getPeerAddress().isEmpty()) {
                throw RaftKvException.invalidArgument("peer_address is required");
            }
            List<Member> ms = new ArrayList<>(s.members());
            long newId = r.getId() != 0
                    ? r.getId()
                    : ms.stream().mapToLong(Member::getId).max().orElse(0) + 1;
            Member m = Member.newBuilder()
                    .setId(newId)
                    .setRole(MemberRole.LEARNER)
                    .setPeerAddress(r.getPeerAddress())
                    .setClientAddress(r.getClientAddress())
                    .build();
            ms.add(m);
            s.setMembers(ms);
            return AddLearnerResponse.newBuilder()
                    .setHeader(s.header(id))
                    .setMember(m)
                    .addAllMembers(ms)
                    .build();
        });
        unary(grpc, ClusterGrpcService.PromoteMember, "PromoteMember", true, r -> {
            List<Member> ms = replaceMember(
                    r.getId(), m -> m.toBuilder().setRole(MemberRole.VOTER).build());
            return PromoteMemberResponse.newBuilder()
                    .setHeader(s.header(id))
                    .addAllMembers(ms)
                    .build();
        });
        unary(grpc, ClusterGrpcService.RemoveMember, "RemoveMember", true, r -> {
            List<Member> ms = replaceMember(r.getId(), m -> null);
            return RemoveMemberResponse.newBuilder()
                    .setHeader(s.header(id))
                    .addAllMembers(ms)
                    .build();
        });
        unary(grpc, ClusterGrpcService.TransferLeadership, "TransferLeadership", true, r -> {
            FakeNode target = r.getTargetId() == 0 ? cluster.anyOtherThan(this) : cluster.node(r.getTargetId());
            if (target == null) {
                throw RaftKvException.of(ErrorReason.UNKNOWN_MEMBER, "no member with id " + r.getTargetId());
            }
            cluster.makeLeader(target);
            return TransferLeadershipResponse.newBuilder()
                    .setHeader(s.header(id))
                    .setLeaderId(target.id)
                    .setLeaderAddress(target.endpoint().toString())
                    .build();
        });
        unary(
                grpc,
                io.raftkv.api.v1.AlarmGrpcService.List,
                "AlarmList",
                false,
                r -> io.raftkv.api.v1.AlarmListResponse.newBuilder()
                        .setHeader(s.header(id))
                        .addAllAlarms(s.alarms())
                        .build());
        unary(grpc, io.raftkv.api.v1.AlarmGrpcService.Disarm, "AlarmDisarm", true, r -> {
            List<io.raftkv.api.v1.AlarmMember> cleared = s.disarm(r);
            return io.raftkv.api.v1.AlarmDisarmResponse.newBuilder()
                    .setHeader(s.header(id))
                    .addAllDisarmed(cleared)
                    .addAllAlarms(s.alarms())
                    .build();
        });
        grpc.callHandler(KVGrpcService.Pipeline, this::pipeline);
        grpc.callHandler(
                ClusterGrpcService.Snapshot,
                req -> req.handler(msg -> {
                    received.add(new Received(
                            "Snapshot", msg, req.connection().remoteAddress().toString()));
                    streamSnapshot(req.response());
                }));
        http = vertx.createHttpServer(
                        new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                .requestHandler(grpc)
                .listen()
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    /** How one method is served, for unary calls and for calls inside a Pipeline stream alike. */
    private record Method<Q, A>(String name, boolean leaderOnly, Function<Q, A> serve) {}

    /** Where the answer of one call goes: a unary response, or a result in a Pipeline stream. */
    private interface Reply<A> {
        void ok(A answer);

        void fail(RaftKvException error);

        void reset();
    }

    private final Map<String, Method<?, ?>> methods = new ConcurrentHashMap<>();

    private <Q, A> void unary(
            GrpcServer grpc, ServiceMethod<Q, A> method, String name, boolean leaderOnly, Function<Q, A> serve) {
        Method<Q, A> m = new Method<>(name, leaderOnly, serve);
        methods.put(name, m);
        grpc.callHandler(
                method,
                req -> req.handler(msg ->
                        handle(m, msg, req.connection().remoteAddress().toString(), false, new Reply<A>() {
                            @Override
                            public void ok(A answer) {
                                req.response().end(answer);
                            }

                            @Override
                            public void fail(RaftKvException error) {
                                ErrorTrailers.fail(req.response(), error);
                            }

                            @Override
                            public void reset() {
                                req.response().cancel();
                            }
                        })));
    }

    private <Q, A> void handle(Method<Q, A> m, Q msg, String remoteAddress, boolean pipelined, Reply<A> reply) {
        received.add(new Received(m.name(), msg, remoteAddress, pipelined));
        ConcurrentLinkedDeque<Action> q = scripts.get(m.name());
        Action action = q == null ? null : q.pollFirst();
        try {
            if (action instanceof Fail f) {
                reply.fail(f.error());
                return;
            }
            if (m.leaderOnly()) {
                leaderUnless(false);
            }
            if (action instanceof Reset r) {
                if (r.apply()) {
                    m.serve().apply(msg);
                }
                reply.reset();
                return;
            }
            A answer = m.serve().apply(msg);
            if (action instanceof Hold h) {
                io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
                h.release().thenRun(() -> context.runOnContext(v -> reply.ok(answer)));
            } else if (!(action instanceof Drop)) {
                reply.ok(answer);
            }
        } catch (RaftKvException e) {
            reply.fail(e);
        }
    }

    /**
     * KV.Pipeline: each call is served by its unary method's handler (same scripts, same record of
     * what arrived) and answered in-band, one result per message. Unless {@link #servePipeline} is
     * off, when the node answers UNIMPLEMENTED like a version without the method.
     */
    private void pipeline(GrpcServerRequest<PipelineRequest, PipelineResponse> req) {
        if (!servePipeline) {
            req.response().status(io.vertx.grpc.common.GrpcStatus.UNIMPLEMENTED).end();
            return;
        }
        pipelineStreams.incrementAndGet();
        String remote = req.connection().remoteAddress().toString();
        req.handler(message -> {
            for (PipelinedCall call : message.getCallsList()) {
                long id = call.getId();
                switch (call.getRequestCase()) {
                    case PUT ->
                        this.<PutRequest, PutResponse>pipelined(
                                id, "Put", call.getPut(), remote, req, PipelinedResult.Builder::setPut);
                    case GET ->
                        this.<GetRequest, GetResponse>pipelined(
                                id, "Get", call.getGet(), remote, req, PipelinedResult.Builder::setGet);
                    case DELETE ->
                        this.<DeleteRequest, DeleteResponse>pipelined(
                                id, "Delete", call.getDelete(), remote, req, PipelinedResult.Builder::setDelete);
                    case COMPARE_AND_SET ->
                        this.<CompareAndSetRequest, CompareAndSetResponse>pipelined(
                                id,
                                "CompareAndSet",
                                call.getCompareAndSet(),
                                remote,
                                req,
                                PipelinedResult.Builder::setCompareAndSet);
                    case TXN ->
                        this.<TxnRequest, TxnResponse>pipelined(
                                id, "Txn", call.getTxn(), remote, req, PipelinedResult.Builder::setTxn);
                    default -> throw new IllegalStateException("unexpected pipelined call " + call);
                }
            }
        });
        req.endHandler(v -> req.response().end());
    }

    @SuppressWarnings("unchecked")
    private <Q, A> void pipelined(
            long id,
            String name,
            Q msg,
            String remote,
            GrpcServerRequest<PipelineRequest, PipelineResponse> req,
            java.util.function.BiConsumer<PipelinedResult.Builder, A> set) {
        handle((Method<Q, A>) methods.get(name), msg, remote, true, new Reply<A>() {
            @Override
            public void ok(A answer) {
                PipelinedResult.Builder b = PipelinedResult.newBuilder().setId(id);
                set.accept(b, answer);
                req.response().write(PipelineResponse.newBuilder().addResults(b).build());
            }

            @Override
            public void fail(RaftKvException error) {
                req.response()
                        .write(PipelineResponse.newBuilder()
                                .addResults(PipelinedResult.newBuilder()
                                        .setId(id)
                                        .setError(ErrorTrailers.toCallError(error)))
                                .build());
            }

            @Override
            public void reset() {
                req.response().cancel();
            }
        });
    }

    /** Throws NOT_LEADER (or NO_LEADER) unless this node leads or {@code anyNodeMayServe}. */
    private void leaderUnless(boolean anyNodeMayServe) {
        if (anyNodeMayServe) {
            return;
        }
        FakeNode leader = cluster.leader();
        if (leader == this) {
            return;
        }
        if (leader == null) {
            throw RaftKvException.of(ErrorReason.NO_LEADER, "no leader: election in progress");
        }
        throw RaftKvException.notLeader(leader.id, leader.endpoint().toString());
    }

    private List<Member> replaceMember(long memberId, Function<Member, Member> change) {
        FakeStore s = cluster.store();
        List<Member> out = new ArrayList<>();
        boolean found = false;
        for (Member m : s.members()) {
            if (m.getId() == memberId) {
                found = true;
                Member n = change.apply(m);
                if (n != null) {
                    out.add(n);
                }
            } else {
                out.add(m);
            }
        }
        if (!found) {
            throw RaftKvException.of(ErrorReason.UNKNOWN_MEMBER, "no member with id " + memberId);
        }
        s.setMembers(out);
        return out;
    }

    private StatusResponse status(boolean hash) {
        FakeStore s = cluster.store();
        FakeNode leader = cluster.leader();
        StatusResponse.Builder b = StatusResponse.newBuilder()
                .setHeader(s.header(id))
                .setId(id)
                .setRole(leader == this ? Role.LEADER : Role.FOLLOWER)
                .setTerm(s.term())
                .setLeaderId(leader == null ? 0 : leader.id)
                .setLeaderAddress(leader == null ? "" : leader.endpoint().toString())
                .setCommitIndex(s.index())
                .setAppliedIndex(s.index())
                .addAllMembers(s.members())
                .setVersion("fake");
        if (hash) {
            CRC32C crc = new CRC32C();
            crc.update(s.dump());
            b.setStateHash(crc.getValue()).setStateHashIndex(s.index());
        }
        return b.build();
    }

    private void streamSnapshot(GrpcServerResponse<?, SnapshotResponse> resp) {
        FakeStore s = cluster.store();
        ServedFile served = servedSnapshot;
        byte[] data;
        try {
            data = served != null ? java.nio.file.Files.readAllBytes(served.file()) : s.dump();
        } catch (java.io.IOException e) {
            resp.status(io.vertx.grpc.common.GrpcStatus.INTERNAL).end();
            return;
        }
        resp.write(SnapshotResponse.newBuilder()
                .setMetadata(BackupMetadata.newBuilder()
                        .setHeader(s.header(id))
                        .setIndex(served != null ? served.index() : s.index())
                        .setTerm(served != null ? served.term() : s.term())
                        .addAllMembers(s.members())
                        .setTotalBytes(data.length)
                        .setFormat(served != null ? "raftkv-snapshot/1" : "fake-dump/1"))
                .build());
        CRC32C total = new CRC32C();
        total.update(data);
        int step = snapshotChunkBytes;
        for (int off = 0, n = 0; off < data.length; off += step, n++) {
            ByteString part = ByteString.copyFrom(data, off, Math.min(step, data.length - off));
            CRC32C crc = new CRC32C();
            crc.update(part.toByteArray());
            int sent = corruptSnapshot && n == 1 ? (int) crc.getValue() ^ 1 : (int) crc.getValue();
            resp.write(SnapshotResponse.newBuilder()
                    .setChunk(BackupChunk.newBuilder()
                            .setOffset(off)
                            .setData(part)
                            .setCrc32C(sent))
                    .build());
        }
        resp.end(SnapshotResponse.newBuilder()
                .setTrailer(
                        BackupTrailer.newBuilder().setTotalBytes(data.length).setCrc32C((int) total.getValue()))
                .build());
    }

    /** Queues actions for the next calls of {@code method} (e.g. "Put"); later calls are served. */
    public FakeNode script(String method, Action... actions) {
        ConcurrentLinkedDeque<Action> q = scripts.computeIfAbsent(method, k -> new ConcurrentLinkedDeque<>());
        for (Action a : actions) {
            q.addLast(a);
        }
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Requests of one method, in arrival order. */
    public <T> List<T> received(String method, Class<T> type) {
        return received.stream()
                .filter(r -> r.method().equals(method))
                .map(r -> type.cast(r.request()))
                .toList();
    }

    /** Whether KV.Pipeline is served (default) or answered UNIMPLEMENTED, like an older node. */
    public FakeNode servePipeline(boolean serve) {
        this.servePipeline = serve;
        return this;
    }

    /** Pipeline streams opened to this node so far (answered UNIMPLEMENTED ones are not counted). */
    public int pipelineStreamsOpened() {
        return pipelineStreams.get();
    }

    private record ServedFile(java.nio.file.Path file, long index, long term) {}

    private volatile ServedFile servedSnapshot;

    /**
     * Serves the bytes of {@code file} (a real snapshot file) as the backup, announced at
     * {@code index}/{@code term}, in chunks of {@code chunkBytes}; null restores the fake dump.
     */
    public void serveSnapshotFile(java.nio.file.Path file, long index, long term, int chunkBytes) {
        this.servedSnapshot = file == null ? null : new ServedFile(file, index, term);
        this.snapshotChunkBytes = file == null ? 16 : chunkBytes;
    }

    public void corruptSnapshot(boolean corrupt) {
        this.corruptSnapshot = corrupt;
    }

    public long id() {
        return id;
    }

    public Endpoint endpoint() {
        return new Endpoint("127.0.0.1", http.actualPort());
    }

    void stop() throws Exception {
        http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
