package io.raftkv.e2e.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One client connection through a {@link FaultProxy}: the accepted socket, the upstream socket,
 * and a pump per direction. A pump is a reader thread that stamps each chunk with its delivery
 * time and a writer thread that delivers chunks in order once due, joined by a bounded queue.
 *
 * <p>Lifecycle: the upstream connect happens on the first reader thread (waiting out a blackhole
 * first, then with a deadline); end of stream in one direction is passed on as a half-close; any
 * error or a reset resets both sockets; when both directions end, the connection forgets itself.
 */
final class ProxiedConnection {
    static final int CHUNK_BYTES = 16 * 1024;
    static final int QUEUE_CHUNKS = 64;
    /** How long a new connection may wait for a blackhole to lift before it gives up. */
    private static final long BLACKHOLE_CONNECT_WAIT_MS = 60_000;

    /** A chunk of bytes and the System.nanoTime at which it may be written; length -1 = end of stream. */
    private record Chunk(byte[] bytes, int length, long dueNanos) {}

    private final FaultProxy proxy;
    private final Socket client;
    private final SplittableRandom random;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile Socket upstream;
    private int directionsOpen = 2;

    ProxiedConnection(FaultProxy proxy, Socket client, SplittableRandom random) {
        this.proxy = proxy;
        this.client = client;
        this.random = random;
    }

    void start() {
        Thread t = new Thread(this::connectAndPump, "proxy-" + proxy.name() + "-conn");
        t.setDaemon(true);
        t.start();
    }

    /** Resets both sockets; the pumps then fail and exit. Idempotent. */
    void reset() {
        if (finished.compareAndSet(false, true)) {
            proxy.resets.incrementAndGet();
            FaultProxy.resetQuietly(client);
            Socket up = upstream;
            if (up != null) {
                FaultProxy.resetQuietly(up);
            }
            proxy.forget(this);
        }
    }

    private void connectAndPump() {
        try {
            proxy.awaitNotBlackholed(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BLACKHOLE_CONNECT_WAIT_MS));
            if (!proxy.behavior().isOpen() || proxy.isClosed()) {
                reset();
                return;
            }
            Socket up = new Socket();
            up.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
            up.connect(proxy.target(), FaultProxy.CONNECT_TIMEOUT_MS);
            upstream = up;
            if (finished.get()) { // reset while connecting
                FaultProxy.resetQuietly(up);
                return;
            }
            SplittableRandom back = random.split();
            startPump(up.getInputStream(), client.getOutputStream(), client, back, "down");
            pump(client.getInputStream(), up.getOutputStream(), up, random, "up");
        } catch (IOException | InterruptedException e) {
            reset();
        }
    }

    private void startPump(InputStream in, OutputStream out, Socket destination, SplittableRandom dice, String dir) {
        Thread t = new Thread(() -> pump(in, out, destination, dice, dir), "proxy-" + proxy.name() + "-" + dir);
        t.setDaemon(true);
        t.start();
    }

    /** Runs the reader on the calling thread and the writer on a new one. */
    private void pump(InputStream in, OutputStream out, Socket destination, SplittableRandom dice, String dir) {
        BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
        Thread writer =
                new Thread(() -> deliver(queue, out, destination), "proxy-" + proxy.name() + "-" + dir + "-write");
        writer.setDaemon(true);
        writer.start();
        long lastDue = 0;
        try {
            while (!finished.get()) {
                byte[] buffer = new byte[CHUNK_BYTES];
                int n = in.read(buffer);
                if (n < 0) {
                    queue.put(new Chunk(null, -1, lastDue));
                    return;
                }
                LinkBehavior b = proxy.behavior();
                if (b.resetShare() > 0 && dice.nextDouble() < b.resetShare()) {
                    reset();
                    return;
                }
                long hold = TimeUnit.MILLISECONDS.toNanos(b.delayMs()
                        + (b.jitterMs() > 0 ? dice.nextLong(b.jitterMs() + 1) : 0)
                        + (b.lossShare() > 0 && dice.nextDouble() < b.lossShare() ? b.retransmitDelayMs() : 0));
                long due = Math.max(lastDue, System.nanoTime() + hold);
                lastDue = due;
                queue.put(new Chunk(n == CHUNK_BYTES ? buffer : Arrays.copyOf(buffer, n), n, due));
            }
        } catch (IOException | InterruptedException e) {
            reset();
        }
    }

    private void deliver(BlockingQueue<Chunk> queue, OutputStream out, Socket destination) {
        try {
            while (!finished.get()) {
                Chunk chunk = queue.poll(100, TimeUnit.MILLISECONDS);
                if (chunk == null) {
                    continue;
                }
                long wait;
                while ((wait = chunk.dueNanos() - System.nanoTime()) > 0 && !finished.get()) {
                    LockSupport.parkNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(50)));
                }
                // A blackhole holds bytes here (no deadline: the partition lasts until healed).
                while (!finished.get()
                        && proxy.awaitNotBlackholed(System.nanoTime() + TimeUnit.SECONDS.toNanos(1))
                                        .connectivity()
                                == LinkBehavior.Connectivity.BLACKHOLE) {
                    // keep waiting; the loop re-checks finished so reset and close end the wait
                }
                if (finished.get()) {
                    return;
                }
                if (chunk.length() < 0) {
                    destination.shutdownOutput(); // pass on the half-close
                    directionDone();
                    return;
                }
                out.write(chunk.bytes(), 0, chunk.length());
                out.flush();
                proxy.bytesForwarded.addAndGet(chunk.length());
            }
        } catch (IOException | InterruptedException e) {
            reset();
        }
    }

    private void directionDone() {
        boolean both;
        synchronized (this) { // two writer threads, one counter; not Raft state
            both = --directionsOpen == 0;
        }
        if (both && finished.compareAndSet(false, true)) {
            try {
                client.close();
                Socket up = upstream;
                if (up != null) {
                    up.close();
                }
            } catch (IOException ignored) {
                // closing after both directions ended; nothing left to deliver
            }
            proxy.forget(this);
        }
    }
}
