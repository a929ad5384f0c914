package io.raftkv.operator.membership;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.raftkv.api.v1.AddLearnerRequest;
import io.raftkv.api.v1.ClusterGrpc;
import io.raftkv.api.v1.FollowerProgress;
import io.raftkv.api.v1.Member;
import io.raftkv.api.v1.MemberListRequest;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.PromoteMemberRequest;
import io.raftkv.api.v1.RemoveMemberRequest;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.api.v1.TransferLeadershipRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * {@link NodeAdmin} over grpc-java blocking stubs: TLS with the operator's own client
 * certificate (user {@code raftkv-operator}, bound to admin) for clusters that run TLS
 * ({@link AdminCredentials}), plaintext for the others.
 *
 * <p>Channels are cached per target and reused across reconciliations; the cache holds at most
 * {@link #MAX_CHANNELS} (the least recently used one is shut down beyond that), so a stream of
 * distinct targets cannot leak connections. Every call carries a deadline: {@code callTimeout}
 * for reads and membership changes, {@code transferTimeout} for TransferLeadership (which
 * returns only once the target leads). Calls block the reconciling thread (JOSDK's executor,
 * never an event loop) for at most that long.
 *
 * <p>Errors are decoded from the gRPC status and the RaftKV trailers ({@code docs/api.md},
 * "Errors"): {@code raftkv-error-reason}, {@code raftkv-leader-id},
 * {@code raftkv-leader-address}.
 */
public final class GrpcNodeAdmin implements NodeAdmin {

    /** Largest number of cached channels (9 members × a few clusters per operator is typical). */
    public static final int MAX_CHANNELS = 64;

    static final Metadata.Key<String> REASON = Metadata.Key.of("raftkv-error-reason", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> LEADER_ID = Metadata.Key.of("raftkv-leader-id", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> LEADER_ADDRESS =
            Metadata.Key.of("raftkv-leader-address", Metadata.ASCII_STRING_MARSHALLER);

    private final Duration callTimeout;
    private final Duration transferTimeout;
    private final BiFunction<String, Optional<ClientTls>, ManagedChannel> channelFactory;
    private final AdminCredentials credentials;
    private final ReentrantLock lock = new ReentrantLock();
    /** Access order: the first entry is the least recently used. Guarded by {@link #lock}. */
    private final LinkedHashMap<String, Cached> channels = new LinkedHashMap<>(16, 0.75f, true);

    private boolean closed;

    /** A channel and the fingerprint of the credentials it was built with ("" for plaintext). */
    private record Cached(ManagedChannel channel, String fingerprint) {}

    /** Plaintext channels to {@code host:port} targets. */
    public GrpcNodeAdmin(Duration callTimeout, Duration transferTimeout) {
        this(callTimeout, transferTimeout, new AdminCredentials());
    }

    /**
     * Channels to {@code host:port} targets: TLS with the operator's client certificate for the
     * targets {@code credentials} has an entry for, plaintext for the others. A channel is
     * rebuilt when its target's credentials change (a renewal or CA rotation).
     */
    public GrpcNodeAdmin(Duration callTimeout, Duration transferTimeout, AdminCredentials credentials) {
        this(callTimeout, transferTimeout, GrpcNodeAdmin::newChannel, credentials);
    }

    /** With a custom channel factory (tests use in-process channels). */
    public GrpcNodeAdmin(
            Duration callTimeout, Duration transferTimeout, Function<String, ManagedChannel> channelFactory) {
        this(callTimeout, transferTimeout, (target, tls) -> channelFactory.apply(target), new AdminCredentials());
    }

    private GrpcNodeAdmin(
            Duration callTimeout,
            Duration transferTimeout,
            BiFunction<String, Optional<ClientTls>, ManagedChannel> channelFactory,
            AdminCredentials credentials) {
        if (callTimeout.isNegative()
                || callTimeout.isZero()
                || transferTimeout.isNegative()
                || transferTimeout.isZero()) {
            throw new IllegalArgumentException(
                    "timeouts must be positive, got " + callTimeout + " and " + transferTimeout);
        }
        this.callTimeout = callTimeout;
        this.transferTimeout = transferTimeout;
        this.channelFactory = Objects.requireNonNull(channelFactory);
        this.credentials = Objects.requireNonNull(credentials);
    }

    private static ManagedChannel newChannel(String target, Optional<ClientTls> tls) {
        ManagedChannelBuilder<?> builder;
        if (tls.isEmpty()) {
            builder = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create());
        } else {
            ClientTls t = tls.get();
            try {
                ChannelCredentials creds = TlsChannelCredentials.newBuilder()
                        .trustManager(stream(t.trustPem()))
                        .keyManager(stream(t.certificatePem()), stream(t.keyPem()))
                        .build();
                builder = Grpc.newChannelBuilder(target, creds).overrideAuthority(t.authority());
            } catch (IOException e) {
                throw new NodeAdminException(
                        NodeAdminException.Reason.UNAVAILABLE,
                        target + ": the operator's TLS credentials cannot be used: " + e.getMessage());
            }
        }
        return builder.idleTimeout(5, TimeUnit.MINUTES)
                .maxInboundMessageSize(4 * 1024 * 1024)
                .build();
    }

    private static InputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public NodeStatusView status(String target) {
        StatusResponse r = call(target, callTimeout, stub -> stub.status(StatusRequest.getDefaultInstance()));
        Map<Long, NodeStatusView.FollowerProgress> followers = new HashMap<>();
        for (FollowerProgress p : r.getProgressList()) {
            followers.put(p.getId(), new NodeStatusView.FollowerProgress(p.getMatchIndex(), p.getRecentActive()));
        }
        return new NodeStatusView(
                r.getId(),
                r.getRole() == Role.LEADER,
                r.getLearner(),
                r.getTerm(),
                r.getLeaderId(),
                r.getLeaderAddress(),
                r.getCommitIndex(),
                r.getLastIndex(),
                members(r.getMembersList()),
                followers,
                r.getAlarmsList().stream()
                        .filter(a -> a.getType() == io.raftkv.api.v1.AlarmType.CORRUPT)
                        .map(io.raftkv.api.v1.AlarmMember::getMemberId)
                        .collect(java.util.stream.Collectors.toSet()));
    }

    @Override
    public void disarmCorrupt(String target, long memberId) {
        io.raftkv.api.v1.AlarmGrpc.AlarmBlockingStub stub = io.raftkv.api.v1.AlarmGrpc.newBlockingStub(channel(target))
                .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            stub.disarm(io.raftkv.api.v1.AlarmDisarmRequest.newBuilder()
                    .setType(io.raftkv.api.v1.AlarmType.CORRUPT)
                    .setMemberId(memberId)
                    .build());
        } catch (StatusRuntimeException e) {
            throw decode(target, e);
        }
    }

    @Override
    public List<MemberView> memberList(String target) {
        return members(call(target, callTimeout, stub -> stub.memberList(MemberListRequest.getDefaultInstance()))
                .getMembersList());
    }

    @Override
    public List<MemberView> addLearner(String target, long id, String peerAddress, String clientAddress) {
        if (id <= 0 || peerAddress == null || peerAddress.isBlank()) {
            throw new IllegalArgumentException(
                    "AddLearner needs a positive id and a peer address, got " + id + " and '" + peerAddress + "'");
        }
        AddLearnerRequest request = AddLearnerRequest.newBuilder()
                .setId(id)
                .setPeerAddress(peerAddress)
                .setClientAddress(clientAddress == null ? "" : clientAddress)
                .build();
        return members(
                call(target, callTimeout, stub -> stub.addLearner(request)).getMembersList());
    }

    @Override
    public List<MemberView> promote(String target, long id) {
        PromoteMemberRequest request =
                PromoteMemberRequest.newBuilder().setId(id).build();
        return members(
                call(target, callTimeout, stub -> stub.promoteMember(request)).getMembersList());
    }

    @Override
    public List<MemberView> remove(String target, long id) {
        RemoveMemberRequest request = RemoveMemberRequest.newBuilder().setId(id).build();
        return members(
                call(target, callTimeout, stub -> stub.removeMember(request)).getMembersList());
    }

    @Override
    public long transferLeadership(String target, long targetId) {
        TransferLeadershipRequest request =
                TransferLeadershipRequest.newBuilder().setTargetId(targetId).build();
        return call(target, transferTimeout, stub -> stub.transferLeadership(request))
                .getLeaderId();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            channels.values().forEach(c -> c.channel().shutdownNow());
            channels.clear();
        } finally {
            lock.unlock();
        }
    }

    private <T> T call(String target, Duration timeout, Function<ClusterGrpc.ClusterBlockingStub, T> rpc) {
        ClusterGrpc.ClusterBlockingStub stub = ClusterGrpc.newBlockingStub(channel(target))
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return rpc.apply(stub);
        } catch (StatusRuntimeException e) {
            throw decode(target, e);
        }
    }

    private ManagedChannel channel(String target) {
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("no target address");
        }
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("GrpcNodeAdmin is closed");
            }
            Optional<ClientTls> tls = credentials.forTarget(target);
            String fingerprint = tls.map(ClientTls::fingerprint).orElse("");
            Cached cached = channels.get(target);
            if (cached != null && !cached.fingerprint().equals(fingerprint)) {
                cached.channel().shutdown(); // calls in flight finish; new ones use the new material
                cached = null;
            }
            if (cached == null || cached.channel().isShutdown()) {
                cached = new Cached(channelFactory.apply(target, tls), fingerprint);
                channels.put(target, cached);
                if (channels.size() > MAX_CHANNELS) {
                    var eldest = channels.entrySet().iterator().next();
                    eldest.getValue().channel().shutdown();
                    channels.remove(eldest.getKey());
                }
            }
            return cached.channel();
        } finally {
            lock.unlock();
        }
    }

    /** Maps a gRPC failure to the orchestration's terms. */
    static NodeAdminException decode(String target, StatusRuntimeException e) {
        Status status = e.getStatus();
        Metadata trailers = e.getTrailers() != null ? e.getTrailers() : new Metadata();
        String reasonName = trailers.get(REASON);
        String text = target + ": " + status.getCode()
                + (status.getDescription() != null ? " " + status.getDescription() : "");
        if ("NOT_LEADER".equals(reasonName)) {
            return new NodeAdminException(
                    NodeAdminException.Reason.NOT_LEADER,
                    text,
                    parseId(trailers.get(LEADER_ID)),
                    trailers.get(LEADER_ADDRESS),
                    e);
        }
        NodeAdminException.Reason reason;
        if ("LEARNER_NOT_CAUGHT_UP".equals(reasonName)) {
            reason = NodeAdminException.Reason.LEARNER_NOT_CAUGHT_UP;
        } else if ("MEMBERSHIP_CHANGE_IN_PROGRESS".equals(reasonName)) {
            reason = NodeAdminException.Reason.CHANGE_IN_PROGRESS;
        } else {
            reason = switch (status.getCode()) {
                case NOT_FOUND -> NodeAdminException.Reason.UNKNOWN_MEMBER;
                case INVALID_ARGUMENT -> NodeAdminException.Reason.INVALID_REQUEST;
                case UNAVAILABLE, RESOURCE_EXHAUSTED -> NodeAdminException.Reason.UNAVAILABLE;
                case DEADLINE_EXCEEDED, ABORTED, CANCELLED -> NodeAdminException.Reason.OUTCOME_UNKNOWN;
                default -> NodeAdminException.Reason.OTHER;
            };
        }
        return new NodeAdminException(reason, text, 0, "", e);
    }

    private static long parseId(String text) {
        try {
            return text == null || text.isEmpty() ? 0 : Long.parseUnsignedLong(text);
        } catch (NumberFormatException malformed) {
            return 0; // a malformed hint is no hint
        }
    }

    private static List<MemberView> members(List<Member> members) {
        return members.stream()
                .map(m -> new MemberView(
                        m.getId(), m.getRole() != MemberRole.LEARNER, m.getPeerAddress(), m.getClientAddress()))
                .toList();
    }
}
