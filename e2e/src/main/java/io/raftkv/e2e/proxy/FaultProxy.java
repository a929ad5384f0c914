package io.raftkv.e2e.proxy;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP proxy on one directed peer link (listen port -> target port) whose behaviour can be
 * changed at runtime: pass, cut, blackhole, delay with jitter, retransmission-style loss,
 * connection resets (see {@link LinkBehavior} for what each means on TCP and why bytes are never
 * corrupted).
 *
 * <p>Plain blocking sockets and threads: per connection one reader and one writer thread per
 * direction, joined by a bounded queue of chunks, so delay never limits throughput and a stalled
 * link pushes back on its sender through TCP flow control instead of buffering without limit.
 * Bounded everywhere: at most {@link #MAX_CONNECTIONS} connections (more are reset), at most
 * {@link ProxiedConnection#QUEUE_CHUNKS} chunks of {@link ProxiedConnection#CHUNK_BYTES} in flight per
 * direction, and a {@link #CONNECT_TIMEOUT_MS} deadline on every upstream connect.
 *
 * <p>Random choices (jitter, loss, resets) come from a seeded generator split per connection;
 * thread scheduling still makes runs differ in timing, so the seed fixes the dice, not the schedule.
 */
public final class FaultProxy implements Closeable {
    /** Connections beyond this are accepted and reset at once. */
    public static final int MAX_CONNECTIONS = 64;
    /** Deadline for connecting to the target. */
    public static final int CONNECT_TIMEOUT_MS = 1_000;

    /** Counters, for tests and for reports. */
    public record Stats(long accepted, long refused, long resets, long bytesForwarded, int open) {}

    private final String name;
    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Thread acceptor;
    private final SplittableRandom random;
    private final Set<ProxiedConnection> connections = ConcurrentHashMap.newKeySet();

    private final ReentrantLock behaviorLock = new ReentrantLock();
    private final Condition behaviorChanged = behaviorLock.newCondition();
    private volatile LinkBehavior behavior = LinkBehavior.PASS;
    private volatile boolean closed;

    final AtomicLong accepted = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong resets = new AtomicLong();
    final AtomicLong bytesForwarded = new AtomicLong();

    private FaultProxy(String name, InetSocketAddress target, ServerSocket server, long seed) {
        this.name = name;
        this.target = target;
        this.server = server;
        this.random = new SplittableRandom(seed);
        this.acceptor = new Thread(this::acceptLoop, "proxy-" + name + "-accept");
        this.acceptor.setDaemon(true);
    }

    /**
     * Starts a proxy listening on an ephemeral loopback port and forwarding to {@code target}.
     *
     * @param name names the threads and error messages, e.g. {@code "1->2"}
     * @param seed seeds jitter, loss and reset decisions
     */
    public static FaultProxy start(String name, InetSocketAddress target, long seed) throws IOException {
        Objects.requireNonNull(target, "target");
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        FaultProxy proxy = new FaultProxy(name, target, server, seed);
        proxy.acceptor.start();
        return proxy;
    }

    public String name() {
        return name;
    }

    /** The port peers should connect to instead of the target's. */
    public int port() {
        return server.getLocalPort();
    }

    public InetSocketAddress target() {
        return target;
    }

    public LinkBehavior behavior() {
        return behavior;
    }

    /**
     * Changes the behaviour for existing and new connections. Switching to RESET resets every open
     * connection; leaving BLACKHOLE releases the stalled bytes.
     */
    public void setBehavior(LinkBehavior next) {
        Objects.requireNonNull(next, "behavior");
        behaviorLock.lock();
        try {
            behavior = next;
            behaviorChanged.signalAll();
        } finally {
            behaviorLock.unlock();
        }
        if (next.connectivity() == LinkBehavior.Connectivity.RESET) {
            for (ProxiedConnection c : connections) {
                c.reset();
            }
        }
    }

    public Stats stats() {
        return new Stats(accepted.get(), refused.get(), resets.get(), bytesForwarded.get(), connections.size());
    }

    /** Stops accepting, resets every connection; idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing a listening socket; nothing to recover
        }
        behaviorLock.lock();
        try {
            behaviorChanged.signalAll();
        } finally {
            behaviorLock.unlock();
        }
        for (ProxiedConnection c : connections) {
            c.reset();
        }
        acceptor.interrupt();
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Blocks while the link is blackholed (or until {@code deadlineNanos}, a System.nanoTime value,
     * passes); returns the behaviour in force when it returns.
     */
    LinkBehavior awaitNotBlackholed(long deadlineNanos) throws InterruptedException {
        behaviorLock.lock();
        try {
            while (!closed && behavior.connectivity() == LinkBehavior.Connectivity.BLACKHOLE) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                behaviorChanged.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
            return behavior;
        } finally {
            behaviorLock.unlock();
        }
    }

    void forget(ProxiedConnection connection) {
        connections.remove(connection);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue; // transient accept failure (e.g. the client reset first): keep serving
            }
            accepted.incrementAndGet();
            LinkBehavior now = behavior;
            boolean refuse = now.connectivity() == LinkBehavior.Connectivity.RESET
                    || connections.size() >= MAX_CONNECTIONS
                    || (now.resetShare() > 0 && random.nextDouble() < now.resetShare());
            if (refuse) {
                refused.incrementAndGet();
                resetQuietly(client);
                continue;
            }
            ProxiedConnection c = new ProxiedConnection(this, client, random.split());
            connections.add(c);
            c.start();
        }
    }

    static void resetQuietly(Socket socket) {
        try {
            socket.setSoLinger(true, 0); // close() now sends RST instead of FIN
        } catch (SocketException ignored) {
            // already closed
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public String toString() {
        return "FaultProxy[" + name + " :" + port() + " -> " + target + ", " + behavior + "]";
    }
}
