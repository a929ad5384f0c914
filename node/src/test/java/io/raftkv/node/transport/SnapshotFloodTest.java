package io.raftkv.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.raftkv.api.peer.v1.RaftMessage;
import io.raftkv.api.peer.v1.SnapshotChunk;
import io.raftkv.api.peer.v1.SnapshotHeader;
import io.raftkv.node.EventLoops;
import io.raftkv.node.net.HostPort;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The forged-snapshot-header attack of the hostile suite, in process: a host that knows the cluster
 * id and a member id sends InstallSnapshot headers that pass every check (so the first takes the one
 * receive slot and stalls) on 16 connections × 32 streams, reopening each stream as soon as the
 * node answers it. Member 1's heartbeats to member 2 and member 2's answers, which arrive on the
 * attacked peer port, must keep their timing, and the refusals must not run disk calls on the peer
 * loop.
 */
class SnapshotFloodTest {
    private static final long CLUSTER = 42;

    private Vertx vertx;
    private Vertx attackerVertx;
    private final List<PeerTransport> transports = new CopyOnWriteArrayList<>();
    private final Map<Long, String> addresses = new ConcurrentHashMap<>();

    /** Records heartbeat answers; answers heartbeats; checks where the disk-space query runs. */
    private static final class Member extends PeerTransportTest.Recorder {
        final List<String> usableBytesThreads = new CopyOnWriteArrayList<>();
        volatile PeerTransport transport;
        final Map<Long, Long> heartbeatSentAt = new ConcurrentHashMap<>();
        final List<Long> roundTripsMs = new CopyOnWriteArrayList<>();

        @Override
        public long usableBytes() {
            usableBytesThreads.add(Thread.currentThread().getName() + (Context.isOnEventLoopThread() ? " (loop)" : ""));
            return super.usableBytes();
        }

        @Override
        public void onMessages(List<Message> messages) {
            super.onMessages(messages);
            for (Message m : messages) {
                if (m.type() == MessageType.HEARTBEAT) {
                    transport.send(List.of(Message.builder(MessageType.HEARTBEAT_RESP)
                            .from(m.to())
                            .to(m.from())
                            .term(m.term())
                            .commit(m.commit())
                            .build()));
                } else if (m.type() == MessageType.HEARTBEAT_RESP) {
                    Long sent = heartbeatSentAt.remove(m.commit());
                    if (sent != null) {
                        roundTripsMs.add((System.nanoTime() - sent) / 1_000_000);
                    }
                }
            }
        }
    }

    private final Map<Long, Member> members = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx(EventLoops.options(1));
        attackerVertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        attackerVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        for (PeerTransport t : transports) {
            t.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A member with the node's loops: Raft driver, peer port, outbound peer client. */
    private PeerTransport member(long id, Context raft, Context peer, Context outbound) throws Exception {
        Member m = new Member();
        members.put(id, m);
        PeerAddressResolver resolver = new PeerAddressResolver() {
            @Override
            public String peerAddress(long peerId) {
                return addresses.get(peerId);
            }

            @Override
            public void announced(long peerId, String address) {}
        };
        PeerTransport t = new PeerTransport(
                        vertx,
                        raft,
                        id,
                        CLUSTER,
                        "",
                        resolver,
                        m,
                        m,
                        m,
                        new PeerTransportOptions(1000, 4, 64 * 1024, 2_000, 500, 30_000, 100))
                .useOutboundContext(outbound);
        m.transport = t;
        int port = t.start(new HostPort("127.0.0.1", 0), peer)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        addresses.put(id, "127.0.0.1:" + port);
        transports.add(t);
        return t;
    }

    /** A header forged to pass every check: this cluster, to member 1, a SNAP from member 2 that fits. */
    private static Buffer forgedHeader() {
        Message snap = Message.builder(MessageType.SNAP)
                .from(2)
                .to(1)
                .term(1)
                .snapshot(new Snapshot(new SnapshotMetadata(1_000_000_000L, 1, ConfState.ofVoters(1L, 2L)), null))
                .build();
        RaftMessage wire = PeerMessageCodec.encode(snap);
        byte[] bytes = SnapshotChunk.newBuilder()
                .setClusterId(CLUSTER)
                .setHeader(SnapshotHeader.newBuilder()
                        .setFrom(2)
                        .setTo(1)
                        .setMessage(wire)
                        .setTotalBytes(1 << 20)
                        .setFormat("test/1"))
                .build()
                .toByteArray();
        return Buffer.buffer(bytes.length + 5)
                .appendByte((byte) 0)
                .appendInt(bytes.length)
                .appendBytes(bytes);
    }

    private HttpClient attackerClient(int connections) {
        return attackerVertx.createHttpClient(
                new HttpClientOptions()
                        .setProtocolVersion(HttpVersion.HTTP_2)
                        .setHttp2ClearTextUpgrade(false)
                        .setConnectTimeout(2_000),
                new PoolOptions().setHttp2MaxSize(connections));
    }

    /** Keeps {@code streams} InstallSnapshot streams open, each reopened once answered. */
    private AtomicLong flood(HttpClient http, int port, int streams, AtomicBoolean stop) {
        AtomicLong answered = new AtomicLong();
        Buffer header = forgedHeader();
        for (int i = 0; i < streams; i++) {
            attackerVertx.runOnContext(v -> open(http, port, header, answered, stop));
        }
        return answered;
    }

    private void open(HttpClient http, int port, Buffer header, AtomicLong answered, AtomicBoolean stop) {
        if (stop.get()) {
            return;
        }
        http.request(new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setHost("127.0.0.1")
                        .setPort(port)
                        .setURI("/raftkv.peer.v1.RaftPeer/InstallSnapshot"))
                .onFailure(e -> attackerVertx.setTimer(50, t -> open(http, port, header, answered, stop)))
                .onSuccess(req -> {
                    req.putHeader("content-type", "application/grpc")
                            .putHeader("te", "trailers")
                            .setChunked(true);
                    req.exceptionHandler(e -> {});
                    req.response().onComplete(ar -> {
                        if (ar.succeeded()) {
                            ar.result().handler(b -> {}).exceptionHandler(e -> {});
                            ar.result().endHandler(v -> {
                                answered.incrementAndGet();
                                open(http, port, header, answered, stop);
                            });
                        } else {
                            attackerVertx.setTimer(50, t -> open(http, port, header, answered, stop));
                        }
                    });
                    req.write(header);
                });
    }

    @Test
    void forgedSnapshotHeadersDoNotDelayHeartbeatAnswers() throws Exception {
        EventLoops loops = EventLoops.of(vertx);
        // Member 1 (the attacked leader) has the node's loops; member 2 a client loop of its own.
        PeerTransport leader = member(1, loops.raft(), loops.peer(), loops.peerOutbound());
        Context other = loops.client().get(0);
        member(2, other, other, other);
        Member m1 = members.get(1L);
        int port = Integer.parseInt(addresses.get(1L).split(":")[1]);

        AtomicLong seq = new AtomicLong();
        long heartbeats = vertx.setPeriodic(
                100,
                id -> loops.raft().runOnContext(v -> {
                    long n = seq.incrementAndGet();
                    m1.heartbeatSentAt.put(n, System.nanoTime());
                    leader.send(List.of(Message.builder(MessageType.HEARTBEAT)
                            .from(1)
                            .to(2)
                            .term(1)
                            .commit(n)
                            .build()));
                }));
        List<Long> maxPerRound = new java.util.ArrayList<>();
        ch.qos.logback.classic.Logger serverLog =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(PeerServer.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> warnings =
                new ch.qos.logback.core.read.ListAppender<>();
        warnings.start();
        serverLog.addAppender(warnings);
        long startedNanos = System.nanoTime();
        try {
            // Member 2 is connected (its answers arrive) before the attacker takes the connections
            // one address may hold.
            await().atMost(Duration.ofSeconds(20)).until(() -> m1.roundTripsMs.size() >= 3);
            for (int round = 0; round < 2; round++) {
                m1.roundTripsMs.clear();
                AtomicBoolean stop = new AtomicBoolean();
                HttpClient http = attackerClient(16);
                AtomicLong answered = flood(http, port, 16 * 32, stop);
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> m1.roundTripsMs.size() >= 15 && answered.get() >= 400);
                stop.set(true);
                http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                List<Long> rtts = List.copyOf(m1.roundTripsMs);
                long max = rtts.stream().mapToLong(Long::longValue).max().orElseThrow();
                maxPerRound.add(max);
                System.out.println("forged snapshot flood round " + round + ": " + answered.get()
                        + " streams answered, heartbeat round trips (ms) " + rtts);
                // The node has let go of the attacker's connections before the next round.
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> leader.connectionGuard().open() <= 1);
            }
        } finally {
            vertx.cancelTimer(heartbeats);
            serverLog.detachAppender(warnings);
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos) + 1;
        System.out.println("usableBytes ran on: "
                + members.get(1L).usableBytesThreads.stream().distinct().toList() + " ("
                + members.get(1L).usableBytesThreads.size() + " calls)");
        assertThat(members.get(1L).usableBytesThreads)
                .as("the disk-space query never runs on an event loop")
                .noneMatch(t -> t.endsWith("(loop)"));
        assertThat(members.get(1L).usableBytesThreads)
                .as("the disk-space query runs only for a header that took the slot")
                .hasSizeLessThanOrEqualTo(2);
        assertThat(warnings.list)
                .as("refusals logged at most once a second")
                .hasSizeLessThanOrEqualTo((int) seconds + 1);
        // The node's default election timeout is 1 s (10 ticks of 100 ms): a leader that hears no
        // answers for that long steps down. A loaded machine (2 cores, many builds) stays well within.
        assertThat(maxPerRound)
                .as("longest heartbeat round trip per flood (ms)")
                .allMatch(ms -> ms < 1_000);
    }
}
