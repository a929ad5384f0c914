package io.raftkv.api.fake;

import io.raftkv.api.client.Endpoint;
import io.raftkv.api.v1.Member;
import io.raftkv.api.v1.MemberRole;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * N {@link FakeNode}s on loopback ports sharing one {@link FakeStore}; node 1 leads unless a test
 * says otherwise. Used by the client tests and by the CLI tests (through the api test-jar).
 */
public final class FakeCluster implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final FakeStore store = new FakeStore();
    private final List<FakeNode> nodes = new ArrayList<>();
    private volatile FakeNode leader;

    private FakeCluster() {}

    public static FakeCluster start(int size) throws Exception {
        FakeCluster c = new FakeCluster();
        for (int i = 1; i <= size; i++) {
            FakeNode n = new FakeNode(c, i);
            n.start(c.vertx);
            c.nodes.add(n);
        }
        List<Member> members = new ArrayList<>();
        for (FakeNode n : c.nodes) {
            members.add(Member.newBuilder()
                    .setId(n.id())
                    .setRole(MemberRole.VOTER)
                    .setPeerAddress("127.0.0.1:" + (19090 + n.id()))
                    .setClientAddress(n.endpoint().toString())
                    .build());
        }
        c.store.setMembers(members);
        c.leader = c.nodes.get(0);
        return c;
    }

    public FakeNode node(long id) {
        return nodes.stream().filter(n -> n.id() == id).findFirst().orElse(null);
    }

    public List<FakeNode> nodes() {
        return List.copyOf(nodes);
    }

    public FakeNode leader() {
        return leader;
    }

    /** Makes {@code n} the leader; null means "no leader" (followers answer UNAVAILABLE). */
    public void makeLeader(FakeNode n) {
        this.leader = n;
    }

    FakeNode anyOtherThan(FakeNode n) {
        return nodes.stream().filter(x -> x != n).findFirst().orElse(null);
    }

    public FakeStore store() {
        return store;
    }

    /** Comma-separated endpoints of the given nodes, in that order. */
    public String endpoints(FakeNode... order) {
        List<FakeNode> list = order.length == 0 ? nodes : List.of(order);
        return list.stream().map(n -> n.endpoint().toString()).collect(Collectors.joining(","));
    }

    public List<Endpoint> endpointList() {
        return nodes.stream().map(FakeNode::endpoint).toList();
    }

    @Override
    public void close() throws Exception {
        for (FakeNode n : nodes) {
            n.stop();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
