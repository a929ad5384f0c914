package io.raftkv.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.raftkv.api.peer.v1.MessageBatch;
import io.raftkv.api.peer.v1.RaftPeerGrpcService;
import io.raftkv.api.peer.v1.SendAck;
import io.raftkv.node.net.HostPort;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two (or three) real transports on loopback with recording inbound handlers: delivery and order,
 * cluster-id and destination checks, unreachable peers, and snapshot streaming with checksums.
 */
class PeerTransportTest {
    private static final long CLUSTER = 42;

    private Vertx vertx;
    private final List<PeerTransport> transports = new ArrayList<>();
    private final Map<Long, String> addresses = new ConcurrentHashMap<>();

    /** Records what a node's transport delivered, and what snapshot data it installed. */
    static class Recorder implements PeerInbound, SnapshotSink, SnapshotSource {
        final List<Message> received = new CopyOnWriteArrayList<>();
        final List<Long> unreachable = new CopyOnWriteArrayList<>();
        final Map<Long, Boolean> snapshotsSent = new ConcurrentHashMap<>();
        final List<Message> installed = new CopyOnWriteArrayList<>();
        final ByteArrayOutputStream installedBytes = new ByteArrayOutputStream();
        volatile byte[] outgoingData = new byte[0];
        volatile int chunkBytes = 1000;
        volatile long usableBytes = Long.MAX_VALUE;

        @Override
        public long usableBytes() {
            return usableBytes;
        }

        @Override
        public void onMessages(List<Message> messages) {
            received.addAll(messages);
        }

        @Override
        public void onUnreachable(long peerId) {
            unreachable.add(peerId);
        }

        @Override
        public void onSnapshotSent(long peerId, boolean succeeded) {
            snapshotsSent.put(peerId, succeeded);
        }

        @Override
        public void onSnapshotInstalled(Message snap) {
            installed.add(snap);
        }

        @Override
        public IncomingSnapshot begin(Message snap, String format, long totalBytes) {
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            return new IncomingSnapshot() {
                @Override
                public void write(long offset, byte[] data) {
                    pending.writeBytes(data);
                }

                @Override
                public void finish(long total, int crc32c) {
                    synchronized (installedBytes) {
                        installedBytes.writeBytes(pending.toByteArray());
                    }
                }

                @Override
                public void abort() {
                    pending.reset();
                }
            };
        }

        @Override
        public OutgoingSnapshot open(SnapshotMetadata metadata) throws IOException {
            byte[] data = outgoingData;
            int step = chunkBytes;
            return new OutgoingSnapshot() {
                int pos;

                @Override
                public String format() {
                    return "test/1";
                }

                @Override
                public long totalBytes() {
                    return data.length;
                }

                @Override
                public byte[] nextChunk() {
                    if (pos >= data.length) {
                        return null;
                    }
                    int n = Math.min(step, data.length - pos);
                    byte[] c = java.util.Arrays.copyOfRange(data, pos, pos + n);
                    pos += n;
                    return c;
                }

                @Override
                public void close() {}
            };
        }
    }

    private final Map<Long, Recorder> recorders = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (PeerTransport t : transports) {
            t.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private PeerTransport node(long id, long clusterId) throws Exception {
        return node(id, clusterId, new PeerTransportOptions(1000, 4, 64 * 1024, 2_000, 500, 30_000, 100));
    }

    private PeerTransport node(long id, long clusterId, PeerTransportOptions options) throws Exception {
        return node(id, clusterId, options, vertx.getOrCreateContext());
    }

    private PeerTransport node(long id, long clusterId, PeerTransportOptions options, Context ctx) throws Exception {
        Recorder r = new Recorder();
        recorders.put(id, r);
        PeerAddressResolver resolver = new PeerAddressResolver() {
            @Override
            public String peerAddress(long peerId) {
                return addresses.get(peerId);
            }

            @Override
            public void announced(long peerId, String address) {}
        };
        PeerTransport t = new PeerTransport(vertx, ctx, id, clusterId, "", resolver, r, r, r, options);
        int port = t.start(new HostPort("127.0.0.1", 0))
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        addresses.put(id, "127.0.0.1:" + port);
        transports.add(t);
        return t;
    }

    private static Message append(long from, long to, long index, byte[] data) {
        return Message.builder(MessageType.APP)
                .from(from)
                .to(to)
                .term(3)
                .logTerm(2)
                .index(index - 1)
                .commit(index - 1)
                .entries(List.of(Entry.normal(3, index, data)))
                .build();
    }

    private static void onContext(PeerTransport t, Runnable r) {
        t.driverContext().runOnContext(v -> r.run());
    }

    @Test
    void deliversMessagesInOrderWithAllFieldsOverOneStreamPerLane() throws Exception {
        PeerTransport a = node(1, CLUSTER);
        node(2, CLUSTER);
        List<Message> sent = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            sent.add(append(1, 2, i, ("v" + i).getBytes()));
        }
        sent.add(Message.builder(MessageType.VOTE_RESP)
                .from(1)
                .to(2)
                .term(4)
                .reject(true)
                .rejectHint(7)
                .context(Message.CAMPAIGN_TRANSFER)
                .build());
        // Twenty turns of the driver, as under load: batches form and pipeline on the one stream.
        for (int turn = 0; turn < 20; turn++) {
            List<Message> part = sent.subList(turn * 10, turn == 19 ? sent.size() : turn * 10 + 10);
            onContext(a, () -> a.send(part));
        }
        Recorder b = recorders.get(2L);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.received.size() == sent.size());
        // Appends in order on their stream; the vote on the control stream, possibly before them.
        List<Message> got =
                b.received.stream().filter(m -> m.type() == MessageType.APP).toList();
        for (int i = 0; i < 200; i++) {
            assertThat(got.get(i).entries()).isEqualTo(sent.get(i).entries());
            assertThat(got.get(i).toString()).isEqualTo(sent.get(i).toString());
        }
        Message vote = b.received.stream()
                .filter(m -> m.type() == MessageType.VOTE_RESP)
                .findFirst()
                .orElseThrow();
        assertThat(vote.toString()).isEqualTo(sent.get(200).toString());
        assertThat(vote.reject()).isTrue();
        assertThat(vote.rejectHint()).isEqualTo(7);
        assertThat(vote.context()).isEqualTo(Message.CAMPAIGN_TRANSFER);
        assertThat(a.stats().streamsOpened.sum()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> a.stats().messagesSent.sum() == sent.size());
        assertThat(a.stats().sendFailures.sum()).isZero();
        assertThat(recorders.get(1L).unreachable).isEmpty();
    }

    @Test
    void heartbeatsAndVotesDoNotWaitBehindAppends() throws Exception {
        // A queue of 8 messages per lane: 50 appends overflow the appends' lane, and the heartbeat
        // and vote sent after them must still go (before: one queue, so they were dropped).
        PeerTransport a = node(1, CLUSTER, new PeerTransportOptions(8, 1, 64 * 1024, 2_000, 500, 30_000, 100));
        node(2, CLUSTER);
        List<Message> burst = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            burst.add(append(1, 2, i, new byte[1000]));
        }
        burst.add(Message.builder(MessageType.HEARTBEAT)
                .from(1)
                .to(2)
                .term(3)
                .commit(1)
                .build());
        burst.add(Message.builder(MessageType.VOTE)
                .from(1)
                .to(2)
                .term(4)
                .index(9)
                .logTerm(3)
                .build());
        onContext(a, () -> a.send(burst));
        Recorder b = recorders.get(2L);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> b.received.stream()
                                .filter(m -> m.type() == MessageType.HEARTBEAT || m.type() == MessageType.VOTE)
                                .count()
                        == 2);
        assertThat(a.stats().messagesDropped.sum())
                .as("appends beyond the lane's queue")
                .isPositive();
    }

    @Test
    void aPeerConnectionMayOpenOnlyAFewStreams() throws Exception {
        node(2, CLUSTER);
        var http = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
        String[] hostPort = addresses.get(2L).split(":");
        var request = http.request(io.vertx.core.http.HttpMethod.GET, Integer.parseInt(hostPort[1]), hostPort[0], "/")
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> request.connection().remoteSettings() != null
                        && request.connection().remoteSettings().getMaxConcurrentStreams() != 0xFFFFFFFFL);
        assertThat(request.connection().remoteSettings().getMaxConcurrentStreams())
                .isEqualTo(PeerServer.MAX_STREAMS_PER_CONNECTION);
        http.close();
    }

    @Test
    void theMessageCapIsWhatALeaderSends() {
        PeerTransportOptions o = PeerTransportOptions.DEFAULTS.forMaxRequestBytes(4 << 20, 1 << 20);
        assertThat(o.maxInboundMessageBytes()).isEqualTo((4L << 20) + 2 * PeerTransportOptions.FRAMING_SLACK_BYTES);
        assertThat(PeerTransportOptions.DEFAULTS
                        .forMaxRequestBytes(16 << 20, 1 << 20)
                        .maxInboundMessageBytes())
                .isEqualTo((16L << 20) + 2 * PeerTransportOptions.FRAMING_SLACK_BYTES);
    }

    @Test
    void aBatchOverTheCapIsRefusedAndOneAtTheSenderLimitPasses() throws Exception {
        // 64 KiB batches; one entry of 200 KiB (a request at the limit) must pass alone, and a
        // forged batch beyond the cap is refused by the gRPC layer before it is buffered whole.
        PeerTransportOptions small = new PeerTransportOptions(1000, 4, 64 * 1024, 2_000, 500, 30_000, 100)
                .forMaxRequestBytes(200 * 1024, 16 * 1024);
        PeerTransport a = node(1, CLUSTER, small);
        node(2, CLUSTER, small);
        onContext(a, () -> a.send(List.of(append(1, 2, 1, new byte[200 * 1024]))));
        Recorder b = recorders.get(2L);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.received.size() == 1);

        var client = io.vertx.grpc.client.GrpcClient.client(vertx);
        String[] hostPort = addresses.get(2L).split(":");
        var req = client.request(
                        io.vertx.core.net.SocketAddress.inetSocketAddress(Integer.parseInt(hostPort[1]), hostPort[0]),
                        io.raftkv.api.peer.v1.RaftPeerGrpcClient.Send)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        MessageBatch forged = MessageBatch.newBuilder()
                .setClusterId(CLUSTER)
                .setFrom(1)
                .setTo(2)
                .addMessages(io.raftkv.api.peer.v1.RaftMessage.newBuilder()
                        .setTo(2)
                        .setFrom(1)
                        .addEntries(io.raftkv.api.peer.v1.Entry.newBuilder()
                                .setData(com.google.protobuf.ByteString.copyFrom(new byte[400 * 1024]))))
                .build();
        // The response's handling is set up before the batch is sent, so the answer cannot arrive first.
        var answered = req.response()
                .compose(resp -> resp.last()
                        .map(x -> resp.status())
                        .recover(err -> io.vertx.core.Future.succeededFuture(resp.status())));
        req.send(forged);
        var status = answered.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(status).isEqualTo(io.vertx.grpc.common.GrpcStatus.RESOURCE_EXHAUSTED);
        assertThat(b.received).hasSize(1);
        client.close();
    }

    /** A forged InstallSnapshot stream to member 2 that sends a valid header, then nothing. */
    private io.vertx.core.Future<io.vertx.grpc.common.GrpcStatus> stalledSnapshotPush() throws Exception {
        var client = io.vertx.grpc.client.GrpcClient.client(vertx);
        String[] hostPort = addresses.get(2L).split(":");
        var req = client.request(
                        io.vertx.core.net.SocketAddress.inetSocketAddress(Integer.parseInt(hostPort[1]), hostPort[0]),
                        io.raftkv.api.peer.v1.RaftPeerGrpcClient.InstallSnapshot)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        Message snap = Message.builder(MessageType.SNAP)
                .from(1)
                .to(2)
                .term(3)
                .snapshot(new Snapshot(new SnapshotMetadata(400, 3, ConfState.ofVoters(1L, 2L)), null))
                .build();
        req.write(io.raftkv.api.peer.v1.SnapshotChunk.newBuilder()
                .setClusterId(CLUSTER)
                .setHeader(io.raftkv.api.peer.v1.SnapshotHeader.newBuilder()
                        .setFrom(1)
                        .setTo(2)
                        .setMessage(PeerMessageCodec.encode(snap))
                        .setTotalBytes(1_000_000)
                        .setFormat("test/1"))
                .build());
        return req.response()
                .compose(resp -> resp.end()
                        .map(v -> resp.status())
                        .recover(err -> io.vertx.core.Future.succeededFuture(resp.status())));
    }

    private void sendSnapshot(PeerTransport a, byte[] data) {
        Recorder ra = recorders.get(1L);
        ra.outgoingData = data;
        ra.chunkBytes = 64 * 1024;
        Message snap = Message.builder(MessageType.SNAP)
                .from(1)
                .to(2)
                .term(3)
                .snapshot(new Snapshot(new SnapshotMetadata(500, 3, ConfState.ofVoters(1L, 2L, 3L)), null))
                .build();
        onContext(a, () -> a.send(List.of(snap)));
    }

    @Test
    void aStalledSnapshotPushTimesOutAndFreesTheSlot() throws Exception {
        PeerTransport a = node(1, CLUSTER);
        PeerTransport b = node(2, CLUSTER);
        b.snapshotReceiveTimeouts(500, 60_000);
        var stalled = stalledSnapshotPush();
        assertThat(stalled.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isEqualTo(io.vertx.grpc.common.GrpcStatus.DEADLINE_EXCEEDED);
        sendSnapshot(a, new byte[200_000]);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> recorders.get(1L).snapshotsSent.containsKey(2L));
        assertThat(recorders.get(1L).snapshotsSent.get(2L)).isTrue();
        assertThat(recorders.get(2L).installed).hasSize(1);
    }

    @Test
    void aNewerTransferPreemptsAStalledOne() throws Exception {
        PeerTransport a = node(1, CLUSTER);
        PeerTransport b = node(2, CLUSTER);
        b.snapshotReceiveTimeouts(60_000, 300);
        var stalled = stalledSnapshotPush();
        await().pollDelay(Duration.ofMillis(400)).atMost(Duration.ofSeconds(5)).until(() -> true);
        sendSnapshot(a, new byte[200_000]);
        assertThat(stalled.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isEqualTo(io.vertx.grpc.common.GrpcStatus.ABORTED);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> recorders.get(1L).snapshotsSent.containsKey(2L));
        assertThat(recorders.get(1L).snapshotsSent.get(2L)).isTrue();
        assertThat(recorders.get(2L).installed).hasSize(1);
    }

    @Test
    void aSnapshotLargerThanTheFreeDiskIsRefusedBeforeAnythingIsWritten() throws Exception {
        PeerTransport a = node(1, CLUSTER);
        node(2, CLUSTER);
        recorders.get(2L).usableBytes = 100_000;
        sendSnapshot(a, new byte[200_000]);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> recorders.get(1L).snapshotsSent.containsKey(2L));
        assertThat(recorders.get(1L).snapshotsSent.get(2L)).isFalse();
        assertThat(recorders.get(2L).installed).isEmpty();
        assertThat(recorders.get(2L).installedBytes.size()).isZero();
    }

    /** A peer port served by the test itself: an older version (no Stream) or a peer that stops acking. */
    private int fakePeer(java.util.function.Consumer<GrpcServer> handlers) throws Exception {
        GrpcServer grpc = GrpcServer.server(vertx);
        handlers.accept(grpc);
        return vertx.createHttpServer(
                        new HttpServerOptions().setHost("127.0.0.1").setPort(0).setHttp2ClearTextEnabled(true))
                .requestHandler(grpc)
                .listen()
                .map(HttpServer::actualPort)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void fallsBackToUnarySendForAPeerWithoutStream() throws Exception {
        List<MessageBatch> unary = new CopyOnWriteArrayList<>();
        int port = fakePeer(grpc -> grpc.callHandler(
                RaftPeerGrpcService.Send,
                req -> req.last().onSuccess(batch -> {
                    unary.add(batch);
                    req.response().end(SendAck.newBuilder().setMemberId(2).build());
                })));
        addresses.put(2L, "127.0.0.1:" + port);
        PeerTransport a = node(1, CLUSTER);
        onContext(a, () -> a.send(List.of(append(1, 2, 1, new byte[] {1}))));
        // The first batch is lost with the refused stream (Raft retransmits); later ones go unary.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> recorders.get(1L).unreachable.contains(2L));
        for (int i = 2; i <= 50; i++) {
            Message m = append(1, 2, i, new byte[] {(byte) i});
            onContext(a, () -> a.send(List.of(m)));
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        unary.stream().mapToInt(MessageBatch::getMessagesCount).sum() == 49);
        assertThat(a.stats().streamsOpened.sum()).isEqualTo(1);
        assertThat(unary.stream()
                        .flatMap(b -> b.getMessagesList().stream())
                        .map(m -> m.getIndex() + 1)
                        .sorted())
                .containsExactlyElementsOf(
                        java.util.stream.LongStream.rangeClosed(2, 50).boxed().toList());
    }

    @Test
    void cancelsAStreamWhoseAckIsLateReportsThePeerAndOpensANewStream() throws Exception {
        List<Long> received = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger streams = new java.util.concurrent.atomic.AtomicInteger();
        int port = fakePeer(grpc -> grpc.callHandler(RaftPeerGrpcService.Stream, req -> {
            boolean silent = streams.incrementAndGet() == 1; // the first stream never acks
            long[] n = {0};
            req.handler(batch -> {
                batch.getMessagesList().forEach(m -> received.add(m.getIndex() + 1));
                if (!silent) {
                    req.response()
                            .write(SendAck.newBuilder()
                                    .setMemberId(2)
                                    .setBatchesAccepted(++n[0])
                                    .build());
                }
            });
            req.exceptionHandler(err -> {});
        }));
        addresses.put(2L, "127.0.0.1:" + port);
        PeerTransport a = node(1, CLUSTER, new PeerTransportOptions(1000, 4, 64 * 1024, 300, 500, 30_000, 100));
        onContext(a, () -> a.send(List.of(append(1, 2, 1, new byte[] {1}))));
        Recorder ra = recorders.get(1L);
        await().atMost(Duration.ofSeconds(10)).until(() -> ra.unreachable.contains(2L));
        assertThat(received).containsExactly(1L); // delivered, but its ack never came: counted as failed
        assertThat(a.stats().sendFailures.sum()).isEqualTo(1);
        assertThat(a.stats().messagesDropped.sum()).isEqualTo(1);
        onContext(a, () -> a.send(List.of(append(1, 2, 2, new byte[] {2}))));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> a.stats().messagesSent.sum() == 1);
        assertThat(received).containsExactly(1L, 2L);
        assertThat(a.stats().streamsOpened.sum()).isEqualTo(2);
        assertThat(ra.unreachable).hasSize(1);
    }

    @Test
    void refusesBatchesOfAnotherClusterAndReportsTheSenderUnreachable() throws Exception {
        PeerTransport a = node(1, CLUSTER);
        node(2, CLUSTER + 1);
        onContext(a, () -> a.send(List.of(append(1, 2, 1, new byte[] {1}))));
        Recorder ra = recorders.get(1L);
        await().atMost(Duration.ofSeconds(10)).until(() -> ra.unreachable.contains(2L));
        assertThat(recorders.get(2L).received).isEmpty();
        assertThat(transports.get(1).stats().batchesRejected.sum()).isEqualTo(1);
    }

    @Test
    void reportsAPeerWithoutListenerUnreachable() throws Exception {
        PeerTransport a = node(1, CLUSTER);
        addresses.put(9L, "127.0.0.1:1"); // nothing listens on port 1
        onContext(a, () -> a.send(List.of(append(1, 9, 1, new byte[] {1}))));
        Recorder ra = recorders.get(1L);
        await().atMost(Duration.ofSeconds(10)).until(() -> ra.unreachable.contains(9L));
        assertThat(a.stats().sendFailures.sum()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void streamsASnapshotAndStepsItsMessageAfterInstalling() throws Exception {
        long seed = System.nanoTime();
        System.out.println("snapshot stream seed " + seed);
        byte[] data = new byte[1_234_567];
        new Random(seed).nextBytes(data);
        PeerTransport a = node(1, CLUSTER);
        node(2, CLUSTER);
        Recorder ra = recorders.get(1L);
        ra.outgoingData = data;
        ra.chunkBytes = 64 * 1024;
        SnapshotMetadata meta = new SnapshotMetadata(500, 3, ConfState.ofVoters(1L, 2L, 3L));
        Message snap = Message.builder(MessageType.SNAP)
                .from(1)
                .to(2)
                .term(3)
                .snapshot(new Snapshot(meta, null))
                .build();
        onContext(a, () -> a.send(List.of(snap)));
        await().atMost(Duration.ofSeconds(20)).until(() -> ra.snapshotsSent.containsKey(2L));
        assertThat(ra.snapshotsSent.get(2L)).isTrue();
        Recorder rb = recorders.get(2L);
        assertThat(rb.installed).hasSize(1);
        assertThat(rb.installed.get(0).snapshot().metadata()).isEqualTo(meta);
        assertThat(rb.installedBytes.toByteArray()).isEqualTo(data);
        assertThat(transports.get(1).stats().snapshotBytesReceived.sum()).isEqualTo(data.length);
    }

    @Test
    void snapshotToAnotherClusterFailsAndNothingIsInstalled() throws Exception {
        PeerTransport a = node(1, CLUSTER);
        node(2, CLUSTER + 7);
        Recorder ra = recorders.get(1L);
        ra.outgoingData = new byte[10_000];
        SnapshotMetadata meta = new SnapshotMetadata(10, 1, ConfState.ofVoters(1L, 2L));
        onContext(
                a,
                () -> a.send(List.of(Message.builder(MessageType.SNAP)
                        .from(1)
                        .to(2)
                        .term(1)
                        .snapshot(new Snapshot(meta, null))
                        .build())));
        await().atMost(Duration.ofSeconds(10)).until(() -> ra.snapshotsSent.containsKey(2L));
        assertThat(ra.snapshotsSent.get(2L)).isFalse();
        assertThat(recorders.get(2L).installed).isEmpty();
        assertThat(Collections.unmodifiableList(recorders.get(2L).received)).isEmpty();
    }

    /**
     * With an outbound loop of its own, the Raft (driver) loop only hands messages over: a batch
     * sent just before the driver loop blocks is written, delivered and acknowledged while it is
     * still blocked, so none of that I/O ran on it.
     */
    @Test
    void theDriverLoopOnlyHandsMessagesToTheOutboundLoop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx = Vertx.vertx(io.raftkv.node.EventLoops.options(1));
        io.raftkv.node.EventLoops loops = io.raftkv.node.EventLoops.of(vertx);
        PeerTransportOptions options = new PeerTransportOptions(1000, 4, 64 * 1024, 2_000, 500, 30_000, 100);
        PeerTransport a = node(1, CLUSTER, options, loops.raft()).useOutboundContext(loops.peerOutbound());
        node(2, CLUSTER, options, loops.client().get(0));
        Recorder b = recorders.get(2L);

        java.util.concurrent.CompletableFuture<String> whileBlocked = new java.util.concurrent.CompletableFuture<>();
        onContext(a, () -> {
            List<Message> batch = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                batch.add(append(1, 2, i, new byte[100]));
            }
            a.send(batch);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            // Block the driver loop until the peer has them and the acks are counted (or 5 s).
            while ((b.received.size() < 20 || a.stats().messagesSent.sum() < 20) && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            whileBlocked.complete(
                    b.received.size() + " received, " + a.stats().messagesSent.sum() + " acknowledged");
        });
        assertThat(whileBlocked.get(10, TimeUnit.SECONDS)).isEqualTo("20 received, 20 acknowledged");

        // The hand-off is bounded: with the outbound loop stuck, messages beyond
        // maxQueuedMessagesPerPeer in transit are dropped at once and the peer reported unreachable.
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        loops.peerOutbound().runOnContext(v -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        java.util.concurrent.CompletableFuture<Integer> inTransit = new java.util.concurrent.CompletableFuture<>();
        onContext(a, () -> {
            for (int round = 0; round < 3; round++) {
                List<Message> batch = new ArrayList<>();
                for (int i = 0; i < 400; i++) {
                    batch.add(append(1, 2, 21 + round * 400 + i, new byte[10]));
                }
                a.send(batch);
            }
            inTransit.complete(a.inTransit());
        });
        assertThat(inTransit.get(10, TimeUnit.SECONDS)).isEqualTo(800);
        assertThat(recorders.get(1L).unreachable).contains(2L);
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> b.received.size() == 820);
        assertThat(a.inTransit()).isZero();
    }
}
