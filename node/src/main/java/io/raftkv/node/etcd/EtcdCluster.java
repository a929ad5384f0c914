package io.raftkv.node.etcd;

import io.raftkv.etcd.api.ClusterGrpcClient;
import io.raftkv.etcd.api.ClusterGrpcService;
import io.raftkv.etcd.api.Member;
import io.raftkv.etcd.api.MemberAddRequest;
import io.raftkv.etcd.api.MemberAddResponse;
import io.raftkv.etcd.api.MemberListRequest;
import io.raftkv.etcd.api.MemberListResponse;
import io.raftkv.etcd.api.MemberPromoteRequest;
import io.raftkv.etcd.api.MemberPromoteResponse;
import io.raftkv.etcd.api.MemberRemoveRequest;
import io.raftkv.etcd.api.MemberRemoveResponse;
import io.raftkv.etcd.api.MemberUpdateRequest;
import io.raftkv.etcd.api.MemberUpdateResponse;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.net.HostPort;
import io.raftkv.node.server.CallRunner;
import io.vertx.core.Future;
import io.vertx.grpc.server.Service;
import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * {@code etcdserverpb.Cluster} on RaftKV's membership. A member's name is its id in decimal, its
 * peer URL {@code http(s)://<peer address>} and client URL {@code http(s)://<client address>}.
 * RaftKV adds members only as learners (a learner catches up before it may vote, so adding one
 * never costs the cluster its quorum): MemberAdd with {@code isLearner} adds one, without it is
 * refused with that advice; MemberPromote and MemberRemove map one to one. Changes go to the leader
 * from any member ({@link EtcdForwarder}).
 */
final class EtcdCluster {
    private final RaftNodeApi node;
    private final EtcdForwarder forwarder;
    private final String scheme;
    private final io.raftkv.node.kv.KvReader reader;

    EtcdCluster(RaftNodeApi node, io.raftkv.node.kv.KvReader reader, EtcdForwarder forwarder, boolean tls) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.node = Objects.requireNonNull(node, "node");
        this.forwarder = Objects.requireNonNull(forwarder, "forwarder");
        this.scheme = tls ? "https://" : "http://";
    }

    Service bindTo(CallRunner calls) {
        return Service.service(ClusterGrpcService.SERVICE_NAME, ClusterGrpcService.SERVICE_DESCRIPTOR)
                .bind(
                        ClusterGrpcService.MemberList,
                        calls.unary(ClusterGrpcService.MemberList, r -> EtcdKv.etcd(() -> memberList(r))))
                .bind(
                        ClusterGrpcService.MemberAdd,
                        forwarder.write(
                                calls, ClusterGrpcService.MemberAdd, ClusterGrpcClient.MemberAdd, this::memberAdd))
                .bind(
                        ClusterGrpcService.MemberRemove,
                        forwarder.write(
                                calls,
                                ClusterGrpcService.MemberRemove,
                                ClusterGrpcClient.MemberRemove,
                                this::memberRemove))
                .bind(
                        ClusterGrpcService.MemberPromote,
                        forwarder.write(
                                calls,
                                ClusterGrpcService.MemberPromote,
                                ClusterGrpcClient.MemberPromote,
                                this::memberPromote))
                .bind(
                        ClusterGrpcService.MemberUpdate,
                        calls.unary(ClusterGrpcService.MemberUpdate, r -> EtcdKv.etcd(() -> memberUpdate(r))))
                .build();
    }

    Future<MemberListResponse> memberList(MemberListRequest r) {
        NodeStatus s = node.status();
        return Future.succeededFuture(MemberListResponse.newBuilder()
                .setHeader(EtcdProtos.header(s, reader.revisions().current()))
                .addAllMembers(members(s))
                .build());
    }

    Future<MemberAddResponse> memberAdd(MemberAddRequest r) {
        if (r.getPeerURLsCount() != 1) {
            throw EtcdErrors.invalid(
                    "etcdserver: RaftKV needs exactly one peer URL per member, got " + r.getPeerURLsCount());
        }
        String peer = hostPort(r.getPeerURLs(0));
        if (!r.getIsLearner()) {
            throw EtcdErrors.unsupported("MemberAdd of a voter: add it as a learner (etcdctl member add --learner),"
                    + " then promote it once it has caught up");
        }
        if (node.status().members().stream().anyMatch(m -> m.peerAddress().equals(peer))) {
            throw EtcdErrors.PEER_URL_EXIST;
        }
        return node.addLearner(0, peer, "").map(id -> {
            NodeStatus s = node.status();
            return MemberAddResponse.newBuilder()
                    .setHeader(EtcdProtos.header(s, reader.revisions().current()))
                    .setMember(Member.newBuilder()
                            .setID(id)
                            .addPeerURLs(scheme + peer)
                            .setIsLearner(true))
                    .addAllMembers(members(s))
                    .build();
        });
    }

    Future<MemberRemoveResponse> memberRemove(MemberRemoveRequest r) {
        requireMember(r.getID());
        return node.remove(r.getID()).map(v -> {
            NodeStatus s = node.status();
            return MemberRemoveResponse.newBuilder()
                    .setHeader(EtcdProtos.header(s, reader.revisions().current()))
                    .addAllMembers(members(s))
                    .build();
        });
    }

    Future<MemberPromoteResponse> memberPromote(MemberPromoteRequest r) {
        NodeStatus.Member m = requireMember(r.getID());
        if (!m.learner()) {
            throw EtcdErrors.MEMBER_NOT_LEARNER;
        }
        return node.promote(r.getID()).map(v -> {
            NodeStatus s = node.status();
            return MemberPromoteResponse.newBuilder()
                    .setHeader(EtcdProtos.header(s, reader.revisions().current()))
                    .addAllMembers(members(s))
                    .build();
        });
    }

    /**
     * etcd's MemberUpdate changes a member's peer URLs (etcd members are addressed by IP, which a
     * rescheduled machine loses). A RaftKV member's peer address is part of its identity in the
     * replicated membership, and on Kubernetes it is the pod's stable DNS name, which a rescheduled
     * pod keeps: an update naming the address the member has is answered (nothing to change), an
     * update to another address is UNIMPLEMENTED, saying how to move a member instead.
     */
    Future<MemberUpdateResponse> memberUpdate(MemberUpdateRequest r) {
        NodeStatus.Member m = requireMember(r.getID());
        if (r.getPeerURLsCount() != 1) {
            throw EtcdErrors.invalid(
                    "etcdserver: RaftKV needs exactly one peer URL per member, got " + r.getPeerURLsCount());
        }
        if (!hostPort(r.getPeerURLs(0)).equals(m.peerAddress())) {
            throw EtcdErrors.unsupported("MemberUpdate to another peer address (member " + Long.toHexString(m.id())
                    + " is at " + m.peerAddress() + "): a member's peer address is fixed for its lifetime (on"
                    + " Kubernetes, its pod's stable DNS name). To move a member, add a learner at the new address,"
                    + " promote it, then remove the old member");
        }
        NodeStatus s = node.status();
        return Future.succeededFuture(MemberUpdateResponse.newBuilder()
                .setHeader(EtcdProtos.header(s, reader.revisions().current()))
                .addAllMembers(members(s))
                .build());
    }

    private NodeStatus.Member requireMember(long id) {
        return node.status().members().stream()
                .filter(m -> m.id() == id)
                .findFirst()
                .orElseThrow(() -> EtcdErrors.MEMBER_NOT_FOUND);
    }

    private List<Member> members(NodeStatus s) {
        return s.members().stream()
                .map(m -> {
                    Member.Builder b = Member.newBuilder()
                            .setID(m.id())
                            .setName(Long.toUnsignedString(m.id()))
                            .setIsLearner(m.learner());
                    if (!m.peerAddress().isEmpty()) {
                        b.addPeerURLs(scheme + m.peerAddress());
                    }
                    if (!m.clientAddress().isEmpty()) {
                        b.addClientURLs(scheme + m.clientAddress());
                    }
                    return b.build();
                })
                .toList();
    }

    /** {@code host:port} of an etcd peer URL such as {@code http://10.0.0.1:2380}. */
    static String hostPort(String url) {
        try {
            URI u = URI.create(url);
            if (u.getHost() == null || u.getPort() < 0) {
                throw new IllegalArgumentException("no host and port");
            }
            String host = u.getHost().startsWith("[") ? u.getHost() : u.getHost();
            return HostPort.parse(host + ":" + u.getPort()).toString();
        } catch (IllegalArgumentException e) {
            throw EtcdErrors.invalid("etcdserver: invalid peer URL " + url + ": " + e.getMessage());
        }
    }
}
