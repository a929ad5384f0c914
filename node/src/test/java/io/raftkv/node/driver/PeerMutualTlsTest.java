package io.raftkv.node.driver;

import static io.raftkv.node.driver.InProcessCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.raftkv.api.peer.v1.MessageBatch;
import io.raftkv.api.peer.v1.RaftPeerGrpcClient;
import io.raftkv.api.peer.v1.SendAck;
import io.raftkv.api.peer.v1.SnapshotAck;
import io.raftkv.api.peer.v1.SnapshotChunk;
import io.raftkv.api.peer.v1.SnapshotData;
import io.raftkv.api.peer.v1.SnapshotHeader;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.net.HostPort;
import io.raftkv.node.security.TestCa;
import io.raftkv.node.security.TlsFiles;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.node.transport.PeerMessageCodec;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS on the peer port, with real handshakes: three drivers whose transports speak mTLS
 * with certificates from a test CA, and a raw gRPC client that forges Raft traffic (a heartbeat
 * with the term + 100 that made a plaintext cluster step down, and an InstallSnapshot) with no
 * certificate, another member's valid certificate, an expired one, one from another CA and a
 * removed member's. Every forgery is refused and no node's term or data moves; the same client
 * with the right certificate gets through, so the refusals are the certificates' doing.
 */
@Timeout(180)
class PeerMutualTlsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String CLUSTER = String.valueOf(InProcessCluster.CLUSTER_ID);

    @TempDir
    Path dir;

    private final TestCa ca = TestCa.create("raftkv-test-ca");
    private InProcessCluster cluster;
    private Vertx raw;

    @BeforeEach
    void setUp() throws Exception {
        raw = Vertx.vertx();
        cluster = new InProcessCluster(
                        dir, StorageOptions.defaults(), DriverOptions.defaults().withTiming(10, 50, 5))
                .withTls(this::filesOf);
        cluster.startVoters(1, 2, 3);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        await(raw.close());
    }

    @Test
    void forgedRaftTrafficIsRefusedUnlessTheCertificateNamesTheSender() throws Exception {
        InProcessCluster.Node leader = putUntilApplied("k", "before");
        InProcessCluster.Node follower = otherThan(leader.id(), 0);
        InProcessCluster.Node third = otherThan(leader.id(), follower.id());
        await().atMost(WAIT).until(() -> "before".equals(valueOn(follower, "k")));
        long term = leader.driver().status().term();
        String target = cluster.peerAddress(follower.id());
        MessageBatch forged = heartbeat(leader.id(), follower.id(), term + 100);

        // No certificate at all: the handshake fails.
        assertRefused(send(client(null), target, forged), "no certificate");
        // Another CA's certificate naming the leader.
        TestCa other = TestCa.create("another-ca");
        assertRefused(
                send(client(other.issue(TestCa.Leaf.member(CLUSTER, leader.id()))), target, forged), "another CA");
        // The leader's own name, but expired.
        assertRefused(
                send(client(ca.issue(TestCa.Leaf.member(CLUSTER, leader.id()).expired())), target, forged), "expired");
        // A member that never was one (id 9).
        assertRefused(
                send(client(ca.issue(TestCa.Leaf.member(CLUSTER, 9))), target, heartbeat(9, follower.id(), term + 100)),
                "not a member");
        // A valid certificate of the third member, impersonating the leader.
        TestCa.Issued thirdCert = ca.issue(TestCa.Leaf.member(CLUSTER, third.id()));
        Throwable impersonation = send(client(thirdCert), target, forged);
        assertThat(impersonation).as("impersonation").isNotNull();
        assertThat(impersonation.toString()).contains("PERMISSION_DENIED");
        // ... and an InstallSnapshot that would replace the follower's state.
        Throwable snapshot = installSnapshot(client(thirdCert), target, leader.id(), follower.id(), term + 100);
        assertThat(snapshot).as("forged snapshot").isNotNull();
        assertThat(snapshot.toString()).contains("PERMISSION_DENIED");

        // The same client with the certificate of the member it speaks for gets through (a harmless
        // heartbeat response, which a follower ignores).
        Message harmless = Message.builder(MessageType.HEARTBEAT_RESP)
                .from(third.id())
                .to(follower.id())
                .term(term)
                .build();
        assertThat(send(client(thirdCert), target, batch(third.id(), follower.id(), harmless)))
                .isNull();

        for (InProcessCluster.Node n : cluster.nodes()) {
            assertThat(n.driver().status().term()).as("term of node %d", n.id()).isLessThan(term + 100);
            assertThat(valueOn(n, "k")).isIn("before", null);
        }
        assertThat(valueOn(follower, "k")).isEqualTo("before");
        putUntilApplied("k", "after"); // the cluster still works over mTLS
    }

    @Test
    void aRemovedMembersCertificateIsRefused() throws Exception {
        putUntilApplied("k", "v");
        String fourAddress = "127.0.0.1:" + InProcessCluster.freePort();
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            await(cluster.leader().orElseThrow().driver().addLearner(4, fourAddress, ""));
            return true;
        });
        InProcessCluster.Node follower =
                otherThan(cluster.leader().orElseThrow().id(), 0);
        await().atMost(WAIT)
                .until(() -> follower.driver().status().members().stream().anyMatch(m -> m.id() == 4));
        TestCa.Issued four = ca.issue(TestCa.Leaf.member(CLUSTER, 4));
        String target = cluster.peerAddress(follower.id());
        long term = follower.driver().status().term();
        Message harmless = Message.builder(MessageType.HEARTBEAT_RESP)
                .from(4)
                .to(follower.id())
                .term(term)
                .build();
        assertThat(send(client(four), target, batch(4, follower.id(), harmless)))
                .as("while a member")
                .isNull();

        await().atMost(WAIT).ignoreExceptions().until(() -> {
            await(cluster.leader().orElseThrow().driver().remove(4));
            return true;
        });
        await().atMost(WAIT)
                .until(() -> follower.driver().status().members().stream().noneMatch(m -> m.id() == 4));
        assertRefused(send(client(four), target, batch(4, follower.id(), harmless)), "removed member");
    }

    @Test
    void aCaRotationUnderWritesLosesNoAcknowledgedWrite() throws Exception {
        putUntilApplied("warm", "up");
        java.util.Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread writer = new Thread(
                () -> {
                    for (int i = 0; writing.get(); i++) {
                        String key = "w" + i;
                        putUntilApplied(key, "v" + i);
                        acknowledged.add(key);
                    }
                },
                "rotation-writer");
        writer.start();
        try {
            TestCa next = TestCa.create("raftkv-test-ca-2");
            awaitWrites(acknowledged, 20);
            // 1. Every bundle trusts both CAs.
            for (long id = 1; id <= 3; id++) {
                rewrite(id, null, ca.caPem() + next.caPem());
            }
            awaitLoaded();
            // 2. Every member gets a leaf of the new CA; a restarted member handshakes anew with it.
            for (long id = 1; id <= 3; id++) {
                rewrite(id, next.issue(TestCa.Leaf.member(CLUSTER, id)), ca.caPem() + next.caPem());
            }
            awaitLoaded();
            restart(1);
            awaitWrites(acknowledged, acknowledged.size() + 20);
            // 3. The old CA leaves every bundle; another restart proves the new chain alone suffices.
            for (long id = 1; id <= 3; id++) {
                rewrite(id, null, next.caPem());
            }
            awaitLoaded();
            restart(2);
            awaitWrites(acknowledged, acknowledged.size() + 20);
        } finally {
            writing.set(false);
            writer.join(WAIT.toMillis());
        }
        System.out.println("CA rotation under writes: " + acknowledged.size() + " writes acknowledged");
        assertThat(acknowledged.size()).isGreaterThan(60);
        for (InProcessCluster.Node n : cluster.nodes()) {
            await().atMost(WAIT).untilAsserted(() -> {
                for (String key : acknowledged) {
                    assertThat(valueOn(n, key))
                            .as("key %s on node %d", key, n.id())
                            .isNotNull();
                }
            });
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A member's files: issued by the first CA at its first start, kept (as rotated) across restarts. */
    private TlsFiles filesOf(long id) {
        Path d = dir.resolve("tls-" + id);
        if (java.nio.file.Files.exists(d.resolve("tls.crt"))) {
            return new TlsFiles(d.resolve("tls.crt"), d.resolve("tls.key"), d.resolve("ca.crt"));
        }
        return ca.issue(TestCa.Leaf.member(CLUSTER, id)).writeTo(d);
    }

    /** Replaces member {@code id}'s CA bundle, and its certificate and key when {@code leaf} is given. */
    private void rewrite(long id, TestCa.Issued leaf, String bundle) throws java.io.IOException {
        Path d = dir.resolve("tls-" + id);
        if (leaf != null) {
            java.nio.file.Files.writeString(d.resolve("tls.key.new"), leaf.keyPem());
            java.nio.file.Files.writeString(d.resolve("tls.crt.new"), leaf.certPem());
            java.nio.file.Files.move(
                    d.resolve("tls.key.new"), d.resolve("tls.key"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            java.nio.file.Files.move(
                    d.resolve("tls.crt.new"), d.resolve("tls.crt"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        java.nio.file.Files.writeString(d.resolve("ca.crt.new"), bundle);
        java.nio.file.Files.move(
                d.resolve("ca.crt.new"), d.resolve("ca.crt"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Waits until every running member serves what its files hold now (its watcher, or this call, loaded them). */
    private void awaitLoaded() {
        await().atMost(WAIT).until(() -> {
            boolean changed = false;
            for (InProcessCluster.Node n : cluster.nodes()) {
                changed |= cluster.tls(n.id()).reloadIfChanged();
            }
            return !changed;
        });
    }

    private void restart(long id) throws Exception {
        cluster.stop(id);
        cluster.start(id, false);
    }

    private static void awaitWrites(java.util.Set<String> acknowledged, int atLeast) {
        await().atMost(WAIT).until(() -> acknowledged.size() >= atLeast);
    }

    private static void assertRefused(Throwable failure, String what) {
        assertThat(failure).as(what + ": the call must fail").isNotNull();
    }

    private InProcessCluster.Node putUntilApplied(String key, String value) {
        byte[] command = CommandCodec.encode(Command.of(new Command.Put(bytes(key), bytes(value))));
        InProcessCluster.Node[] by = new InProcessCluster.Node[1];
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            InProcessCluster.Node l = cluster.leader().orElseThrow();
            await(l.driver().propose(command));
            by[0] = l;
            return true;
        });
        return by[0];
    }

    private InProcessCluster.Node otherThan(long a, long b) {
        for (InProcessCluster.Node n : cluster.nodes()) {
            if (n.id() != a && n.id() != b) {
                return n;
            }
        }
        throw new IllegalStateException("no node other than " + a + " and " + b);
    }

    private static String valueOn(InProcessCluster.Node n, String key) {
        return n.driver()
                .stateMachine()
                .get(bytes(key))
                .map(KeyValue::value)
                .map(v -> new String(v, StandardCharsets.UTF_8))
                .orElse(null);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static MessageBatch heartbeat(long from, long to, long term) {
        return batch(
                from,
                to,
                Message.builder(MessageType.HEARTBEAT)
                        .from(from)
                        .to(to)
                        .term(term)
                        .build());
    }

    private static MessageBatch batch(long from, long to, Message m) {
        return MessageBatch.newBuilder()
                .setClusterId(InProcessCluster.CLUSTER_ID)
                .setFrom(from)
                .setTo(to)
                .addMessages(PeerMessageCodec.encode(m))
                .build();
    }

    /** A raw gRPC client trusting the test CA, presenting {@code cert} (none when null). */
    private GrpcClient client(TestCa.Issued cert) {
        HttpClientOptions http = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setSsl(true)
                .setUseAlpn(true)
                .setVerifyHost(false)
                .setConnectTimeout(5_000)
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.caPem())));
        if (cert != null) {
            http.setKeyCertOptions(new PemKeyCertOptions()
                    .setCertValue(Buffer.buffer(cert.certPem()))
                    .setKeyValue(Buffer.buffer(cert.keyPem())));
        }
        return GrpcClient.client(raw, http);
    }

    /** Sends one batch with Send; null when it was accepted, else the failure. */
    private static Throwable send(GrpcClient client, String target, MessageBatch batch) {
        HostPort hp = HostPort.parse(target);
        try {
            SendAck ack = await(client.request(hp.toSocketAddress(), RaftPeerGrpcClient.Send)
                    .compose(req -> req.send(batch).compose(GrpcClientResponse::last)));
            assertThat(ack).isNotNull();
            return null;
        } catch (Exception e) {
            return e;
        } finally {
            client.close();
        }
    }

    /** Streams a forged snapshot (empty configuration, garbage data) from {@code from}. */
    private static Throwable installSnapshot(GrpcClient client, String target, long from, long to, long term) {
        HostPort hp = HostPort.parse(target);
        Message snap = Message.builder(MessageType.SNAP)
                .from(from)
                .to(to)
                .term(term)
                .snapshot(new Snapshot(
                        new SnapshotMetadata(1_000_000, term, new ConfState(Set.of(from), Set.of())), new byte[0]))
                .build();
        SnapshotChunk header = SnapshotChunk.newBuilder()
                .setClusterId(InProcessCluster.CLUSTER_ID)
                .setHeader(SnapshotHeader.newBuilder()
                        .setFrom(from)
                        .setTo(to)
                        .setMessage(PeerMessageCodec.encode(snap))
                        .setTotalBytes(4)
                        .setFormat("raftkv-checkpoint/1"))
                .build();
        SnapshotChunk data = SnapshotChunk.newBuilder()
                .setClusterId(InProcessCluster.CLUSTER_ID)
                .setData(SnapshotData.newBuilder()
                        .setOffset(0)
                        .setData(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2, 3, 4})))
                .build();
        try {
            SnapshotAck ack = await(client.request(hp.toSocketAddress(), RaftPeerGrpcClient.InstallSnapshot)
                    .compose(req -> {
                        req.write(header);
                        req.write(data);
                        return req.end().compose(v -> req.response());
                    })
                    .compose(GrpcClientResponse::last));
            return ack == null ? null : new AssertionError("forged snapshot accepted: " + ack);
        } catch (Exception e) {
            return e;
        } finally {
            client.close();
        }
    }
}
