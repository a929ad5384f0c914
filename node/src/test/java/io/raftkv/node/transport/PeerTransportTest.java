package io.raftkv.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
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
    static final class Recorder implements PeerInbound, SnapshotSink, SnapshotSource {
        final List<Message> received = new CopyOnWriteArrayList<>();
        final List<Long> unreachable = new CopyOnWriteArrayList<>();
        final Map<Long, Boolean> snapshotsSent = new ConcurrentHashMap<>();
        final List<Message> installed = new CopyOnWriteArrayList<>();
        final ByteArrayOutputStream installedBytes = new ByteArrayOutputStream();
        volatile byte[] outgoingData = new byte[0];
        volatile int chunkBytes = 1000;

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
                public void close() {
                }
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
        Recorder r = new Recorder();
        recorders.put(id, r);
        Context ctx = vertx.getOrCreateContext();
        PeerAddressResolver resolver = new PeerAddressResolver() {
            @Override
            public String peerAddress(long peerId) {
                return addresses.get(peerId);
            }

            @Override
            public void announced(long peerId, String address) {
            }
        };
        PeerTransport t = new PeerTransport(vertx, ctx, id, clusterId, "", resolver, r, r, r,
                new PeerTransportOptions(1000, 4, 64 * 1024, 2_000, 500, 30_000, 100));
        int port = t.start(new HostPort("127.0.0.1", 0)).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        addresses.put(id, "127.0.0.1:" + port);
        transports.add(t);
        return t;
    }

    private static Message append(long from, long to, long index, byte[] data) {
        return Message.builder(MessageType.APP).from(from).to(to).term(3).logTerm(2).index(index - 1).commit(index - 1)
                .entries(List.of(Entry.normal(3, index, data))).build();
    }

    private static void onContext(PeerTransport t, Runnable r) {
        t.driverContext().runOnContext(v -> r.run());
    }

    @Test
    void deliversMessagesInOrderWithAllFields() throws Exception {
        PeerTransport a = node(1, CLUSTER);
        node(2, CLUSTER);
        List<Message> sent = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            sent.add(append(1, 2, i, ("v" + i).getBytes()));
        }
        sent.add(Message.builder(MessageType.VOTE_RESP).from(1).to(2).term(4).reject(true).rejectHint(7)
                .context(Message.CAMPAIGN_TRANSFER).build());
        onContext(a, () -> a.send(sent));
        Recorder b = recorders.get(2L);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.received.size() == sent.size());
        // Batches are pipelined: each batch arrives intact; within the test's volume order holds per batch.
        List<Message> got = new ArrayList<>(b.received);
        got.sort((x, y) -> Long.compare(x.type() == MessageType.APP ? x.index() : Long.MAX_VALUE,
                y.type() == MessageType.APP ? y.index() : Long.MAX_VALUE));
        for (int i = 0; i < 200; i++) {
            assertThat(got.get(i).entries()).isEqualTo(sent.get(i).entries());
            assertThat(got.get(i).toString()).isEqualTo(sent.get(i).toString());
        }
        Message vote = got.get(200);
        assertThat(vote.reject()).isTrue();
        assertThat(vote.rejectHint()).isEqualTo(7);
        assertThat(vote.context()).isEqualTo(Message.CAMPAIGN_TRANSFER);
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
        Message snap = Message.builder(MessageType.SNAP).from(1).to(2).term(3)
                .snapshot(new Snapshot(meta, null)).build();
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
        onContext(a, () -> a.send(List.of(Message.builder(MessageType.SNAP).from(1).to(2).term(1)
                .snapshot(new Snapshot(meta, null)).build())));
        await().atMost(Duration.ofSeconds(10)).until(() -> ra.snapshotsSent.containsKey(2L));
        assertThat(ra.snapshotsSent.get(2L)).isFalse();
        assertThat(recorders.get(2L).installed).isEmpty();
        assertThat(Collections.unmodifiableList(recorders.get(2L).received)).isEmpty();
    }
}
