package io.raftkv.chaos.hostile;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.AlarmDisarmRequest;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.PipelineRequest;
import io.raftkv.api.v1.PipelinedCall;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.chaos.cluster.NodeProcess;
import io.raftkv.chaos.cluster.ProcessCluster;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The eight attacks of issue 18. Each runs on its own Vert.x instance or threads, so the
 * well-behaved client's event loops are not the attacker's; each stops cleanly.
 */
public final class Attacks {
    private Attacks() {}

    /** Every attack, in the order the suite runs them (the disk fill last: it leaves the cluster full). */
    public static List<Supplier<Attack>> all() {
        return List.of(
                PipelineNeverReads::new,
                IdleConnections::new,
                Slowloris::new,
                RangeFlood::new,
                BigRequestFlood::new,
                ForgedPeerStreams::new,
                StalledSnapshotPush::new,
                DiskFill::new);
    }

    private static Endpoint client(NodeProcess n) {
        return new Endpoint("127.0.0.1", n.clientPort());
    }

    private static RaftKvClient kvClient(Vertx vertx, NodeProcess n) {
        return RaftKvClient.builder()
                .vertx(vertx)
                .endpoints(List.of(client(n)))
                .deadline(Duration.ofSeconds(10))
                .build();
    }

    private static ByteString random(int bytes, long seed) {
        byte[] b = new byte[bytes];
        new Random(seed).nextBytes(b);
        return ByteString.copyFrom(b);
    }

    /** Shared plumbing: an own Vert.x, a stop flag, a counter. */
    abstract static class Base implements Attack {
        final AtomicBoolean stopped = new AtomicBoolean();
        final AtomicLong count = new AtomicLong();
        Vertx vertx;

        Vertx ownVertx() {
            vertx = Vertx.vertx();
            return vertx;
        }

        void closeVertx() {
            if (vertx != null) {
                vertx.close()
                        .toCompletionStage()
                        .toCompletableFuture()
                        .orTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
                        .exceptionally(e -> null)
                        .join();
            }
        }
    }

    /** Four KV.Pipeline streams to the leader sending Gets of a 512 KiB value, never reading. */
    static final class PipelineNeverReads extends Base {
        @Override
        public String name() {
            return "pipeline, never reads";
        }

        @Override
        public void start(ProcessCluster cluster, int target) throws Exception {
            Vertx v = ownVertx();
            RaftKvClient kv = kvClient(cluster.vertx(), cluster.node(target));
            kv.blocking()
                    .put(PutRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8("hostile-big"))
                            .setValue(random(512 * 1024, 1))
                            .build());
            kv.close();
            HttpClient http = RawGrpc.client(v, 1);
            for (int s = 0; s < 4; s++) {
                RawGrpc.open(http, cluster.node(target).clientPort(), "/raftkv.v1.KV/Pipeline", true)
                        .onSuccess(this::pump);
            }
        }

        private void pump(HttpClientRequest req) {
            while (!stopped.get() && !req.writeQueueFull()) {
                PipelineRequest.Builder b = PipelineRequest.newBuilder();
                for (int i = 0; i < 100; i++) {
                    b.addCalls(PipelinedCall.newBuilder()
                            .setId(count.incrementAndGet())
                            .setGet(GetRequest.newBuilder()
                                    .setKey(ByteString.copyFromUtf8("hostile-big"))
                                    .setConsistency(ReadConsistency.SERIALIZABLE)));
                }
                req.write(RawGrpc.frame(b.build()));
            }
            if (!stopped.get()) {
                req.drainHandler(x -> pump(req));
            }
        }

        @Override
        public String stop() {
            stopped.set(true);
            closeVertx();
            return count.get() + " calls sent";
        }
    }

    /** Plain sockets: 2,000 connections to the leader's client port that never send a byte. */
    static class IdleConnections extends Base {
        final List<Socket> sockets = new ArrayList<>();
        Thread thread;

        int connections() {
            return 2_000;
        }

        /** Idle: sends nothing, only notices (without blocking) that the node closed the socket. */
        void feed(Socket s) throws IOException {
            s.setSoTimeout(1);
            try {
                if (s.getInputStream().read() < 0) {
                    throw new IOException("closed by the node");
                }
            } catch (java.net.SocketTimeoutException open) {
                // still open, nothing to read
            }
        }

        @Override
        public String name() {
            return "2,000 idle connections";
        }

        @Override
        public void start(ProcessCluster cluster, int target) {
            int port = cluster.node(target).clientPort();
            thread = new Thread(
                    () -> {
                        for (int i = 0; i < connections() && !stopped.get(); i++) {
                            try {
                                Socket s = new Socket();
                                s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                                synchronized (sockets) {
                                    sockets.add(s);
                                }
                                count.incrementAndGet();
                            } catch (IOException e) {
                                // refused or timed out: counted by what stayed open
                            }
                        }
                        while (!stopped.get()) {
                            List<Socket> copy;
                            synchronized (sockets) {
                                copy = new ArrayList<>(sockets);
                            }
                            for (Socket s : copy) {
                                try {
                                    feed(s);
                                } catch (IOException e) {
                                    closed.incrementAndGet();
                                    synchronized (sockets) {
                                        sockets.remove(s);
                                    }
                                }
                            }
                            try {
                                Thread.sleep(1_000); // the attack's own pace, not a test wait
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "hostile-" + getClass().getSimpleName());
            thread.setDaemon(true);
            thread.start();
        }

        final AtomicLong closed = new AtomicLong();

        @Override
        public String stop() {
            stopped.set(true);
            thread.interrupt();
            int stillOpen = 0;
            synchronized (sockets) {
                for (Socket s : sockets) {
                    try {
                        if (s.getInputStream().available() >= 0 && !s.isClosed()) {
                            stillOpen++;
                        }
                        s.close();
                    } catch (IOException e) {
                        // closed by the server
                    }
                }
            }
            return count.get() + " connections opened, " + closed.get() + " closed by the node during the window";
        }
    }

    /** 300 sockets on the client (HTTP) port sending one header line per second, never finishing. */
    static final class Slowloris extends IdleConnections {
        @Override
        int connections() {
            return 300;
        }

        @Override
        void feed(Socket s) throws IOException {
            OutputStream out = s.getOutputStream();
            if (s.getSoTimeout() == 0) {
                s.setSoTimeout(1);
                out.write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write(("X-Slow-" + count.get() + ": y\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        @Override
        public String name() {
            return "slowloris on the HTTP port";
        }
    }

    /** 32 concurrent Range calls, each a full page (4 MiB bound) of 1 MiB values, reissued as they complete. */
    static final class RangeFlood extends Base {
        final AtomicLong bytes = new AtomicLong();

        @Override
        public String name() {
            return "flood of max-size Range pages";
        }

        @Override
        public void start(ProcessCluster cluster, int target) throws Exception {
            Vertx v = ownVertx();
            endpoints = cluster.clientEndpoints();
            RaftKvClient kv = kvClient(v, cluster.node(target));
            for (int i = 0; i < 4; i++) {
                kv.blocking()
                        .put(PutRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8("hostile-r/" + i))
                                .setValue(random(1 << 20, i))
                                .build());
            }
            RangeRequest range = RangeRequest.newBuilder()
                    .setPrefix(ByteString.copyFromUtf8("hostile-r/"))
                    .setConsistency(ReadConsistency.SERIALIZABLE)
                    .build();
            for (int i = 0; i < 32; i++) {
                next(kv, range);
            }
        }

        private void next(RaftKvClient kv, RangeRequest range) {
            if (stopped.get()) {
                return;
            }
            kv.range(range).onComplete(ar -> {
                count.incrementAndGet();
                if (ar.succeeded()) {
                    bytes.addAndGet(ar.result().getSerializedSize());
                }
                next(kv, range);
            });
        }

        @Override
        public String stop() {
            stopped.set(true);
            String cleanup = "";
            try (RaftKvClient kv = RaftKvClient.builder()
                    .vertx(vertx)
                    .endpoints(endpoints)
                    .deadline(Duration.ofSeconds(10))
                    .build()) {
                for (int i = 0; i < 4; i++) {
                    kv.blocking()
                            .delete(DeleteRequest.newBuilder()
                                    .setKey(ByteString.copyFromUtf8("hostile-r/" + i))
                                    .build());
                }
            } catch (RuntimeException e) {
                cleanup = " (cleanup failed: " + e + ")";
            }
            closeVertx();
            return count.get() + " pages, " + (bytes.get() >> 20) + " MiB read" + cleanup;
        }

        private List<Endpoint> endpoints;
    }

    /** 8 concurrent raw Put calls of 4 MiB (twice the request limit), reissued as they are refused. */
    static final class BigRequestFlood extends Base {
        @Override
        public String name() {
            return "flood of 4 MiB requests";
        }

        @Override
        public void start(ProcessCluster cluster, int target) {
            HttpClient http = RawGrpc.client(ownVertx(), 2);
            io.vertx.core.buffer.Buffer body = RawGrpc.frame(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("hostile-huge"))
                    .setValue(random(4 << 20, 2))
                    .build());
            for (int i = 0; i < 8; i++) {
                send(http, cluster.node(target).clientPort(), body);
            }
        }

        private void send(HttpClient http, int port, io.vertx.core.buffer.Buffer body) {
            if (stopped.get()) {
                return;
            }
            RawGrpc.open(http, port, "/raftkv.v1.KV/Put", false).onComplete(ar -> {
                if (ar.failed()) {
                    vertx.setTimer(100, t -> send(http, port, body));
                    return;
                }
                HttpClientRequest req = ar.result();
                req.end(body);
                req.response().onComplete(r -> {
                    count.incrementAndGet();
                    send(http, port, body);
                });
            });
        }

        @Override
        public String stop() {
            stopped.set(true);
            closeVertx();
            return count.get() + " requests of 4 MiB answered";
        }
    }

    /**
     * A forged peer: 16 HTTP/2 connections to the leader's peer port, each keeping up to 32
     * RaftPeer.Stream streams open with a batch of a foreign cluster, reopened as the node ends them.
     */
    static class ForgedPeerStreams extends Base {
        @Override
        public String name() {
            return "forged peer client opening streams";
        }

        @Override
        public boolean targetsPeerPort() {
            return true;
        }

        String method() {
            return "/raftkv.peer.v1.RaftPeer/Stream";
        }

        /** The attacked cluster's id and the target's member id, read from its Status. */
        long clusterId;

        long targetId;
        /** A member of the cluster other than the target: whom the forgery claims to be. */
        long otherMember;

        /**
         * A batch that passes the peer port's checks: this cluster's id, addressed to the target, from
         * a member id of the cluster, with no messages (so it cannot depose anyone, only cost the port).
         */
        io.vertx.core.buffer.Buffer firstMessage() {
            return RawGrpc.frame(io.raftkv.api.peer.v1.MessageBatch.newBuilder()
                    .setClusterId(clusterId)
                    .setFrom(otherMember)
                    .setTo(targetId)
                    .build());
        }

        @Override
        public void start(ProcessCluster cluster, int target) {
            io.raftkv.api.v1.StatusResponse status;
            try (RaftKvClient kv = kvClient(ownVertx(), cluster.node(target))) {
                status = kv.blocking().status(io.raftkv.api.v1.StatusRequest.getDefaultInstance());
            }
            clusterId = status.getHeader().getClusterId();
            targetId = status.getHeader().getMemberId();
            otherMember = status.getMembersList().stream()
                    .mapToLong(io.raftkv.api.v1.Member::getId)
                    .filter(id -> id != targetId)
                    .findFirst()
                    .orElse(targetId + 1);
            HttpClient http = RawGrpc.client(vertx, 16);
            int port = cluster.node(target).peerPort();
            for (int i = 0; i < 16 * 32; i++) {
                open(http, port);
            }
        }

        private void open(HttpClient http, int port) {
            if (stopped.get()) {
                return;
            }
            RawGrpc.open(http, port, method(), true).onComplete(ar -> {
                if (ar.failed()) {
                    vertx.setTimer(200, t -> open(http, port));
                    return;
                }
                count.incrementAndGet();
                io.vertx.core.buffer.Buffer first = firstMessage();
                if (first != null) {
                    ar.result().write(first);
                }
                ar.result().response().onComplete(r -> vertx.setTimer(50, t -> open(http, port)));
                ar.result().connection().closeHandler(c -> vertx.setTimer(200, t -> open(http, port)));
            });
        }

        @Override
        public String stop() {
            stopped.set(true);
            closeVertx();
            return count.get() + " streams opened";
        }
    }

    /**
     * InstallSnapshot streams on the leader's peer port whose header is forged to pass every check
     * (this cluster's id, addressed to the target, a SNAP message from a member, a size that fits),
     * so each takes the one receive slot, and then send nothing more (a stalled push).
     */
    static final class StalledSnapshotPush extends ForgedPeerStreams {
        @Override
        public String name() {
            return "stalled snapshot push";
        }

        @Override
        String method() {
            return "/raftkv.peer.v1.RaftPeer/InstallSnapshot";
        }

        @Override
        io.vertx.core.buffer.Buffer firstMessage() {
            io.raftkv.api.peer.v1.RaftMessage snap = io.raftkv.api.peer.v1.RaftMessage.newBuilder()
                    .setTypeValue(8) // SNAP
                    .setFrom(otherMember)
                    .setTo(targetId)
                    .setTerm(1)
                    .setSnapshot(io.raftkv.api.peer.v1.Snapshot.newBuilder()
                            .setMetadata(io.raftkv.api.peer.v1.SnapshotMetadata.newBuilder()
                                    .setIndex(1_000_000_000L)
                                    .setTerm(1)
                                    .setConfState(io.raftkv.api.peer.v1.ConfState.newBuilder()
                                            .addVoters(targetId)
                                            .addVoters(otherMember))))
                    .build();
            return RawGrpc.frame(io.raftkv.api.peer.v1.SnapshotChunk.newBuilder()
                    .setClusterId(clusterId)
                    .setHeader(io.raftkv.api.peer.v1.SnapshotHeader.newBuilder()
                            .setFrom(otherMember)
                            .setTo(targetId)
                            .setMessage(snap)
                            .setTotalBytes(1 << 20)
                            .setFormat("raftkv-checkpoint/1"))
                    .build());
        }
    }

    /**
     * Writes 1 MiB random values until the cluster refuses them NO_SPACE (the cluster runs with a
     * small quota), then keeps trying; on stop deletes what it wrote and disarms the alarm.
     */
    static final class DiskFill extends Base {
        private final AtomicLong refused = new AtomicLong();
        private volatile String disarm = "";
        private final AtomicLong next = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();
        private RaftKvClient kv;

        @Override
        public String name() {
            return "disk filled to the quota";
        }

        @Override
        public void start(ProcessCluster cluster, int target) {
            kv = RaftKvClient.builder()
                    .vertx(ownVertx())
                    .endpoints(cluster.clientEndpoints())
                    .deadline(Duration.ofSeconds(10))
                    .build();
            for (int t = 0; t < 4; t++) {
                Thread thread = new Thread(
                        () -> {
                            ByteString value = random(1 << 20, 3);
                            while (!stopped.get()) {
                                long id = next.getAndIncrement();
                                try {
                                    kv.blocking()
                                            .put(PutRequest.newBuilder()
                                                    .setKey(ByteString.copyFromUtf8("hostile-fill/" + id))
                                                    .setValue(value)
                                                    .build());
                                    count.incrementAndGet();
                                } catch (RaftKvException e) {
                                    refused.incrementAndGet();
                                    try {
                                        Thread.sleep(100); // the attacker's pace
                                    } catch (InterruptedException ie) {
                                        return;
                                    }
                                }
                            }
                        },
                        "hostile-disk-fill-" + t);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        @Override
        public String stop() {
            stopped.set(true);
            threads.forEach(Thread::interrupt);
            try {
                for (Thread t : threads) {
                    t.join(15_000);
                }
                for (long i = 0; i < next.get(); i++) {
                    kv.blocking()
                            .delete(DeleteRequest.newBuilder()
                                    .setKey(ByteString.copyFromUtf8("hostile-fill/" + i))
                                    .build());
                }
                disarm = ", disarmed "
                        + kv.blocking()
                                .alarmDisarm(AlarmDisarmRequest.getDefaultInstance())
                                .getDisarmedCount() + " alarm(s) after deleting them";
            } catch (RuntimeException | InterruptedException e) {
                disarm = ", recovery failed: " + e;
            }
            closeVertx();
            return count.get() + " values of 1 MiB written, " + refused.get() + " refused" + disarm;
        }
    }
}
