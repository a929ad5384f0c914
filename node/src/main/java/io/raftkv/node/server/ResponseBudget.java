package io.raftkv.node.server;

import com.google.protobuf.MessageLite;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.CompareAndSetResponse;
import io.raftkv.api.v1.DeleteResponse;
import io.raftkv.api.v1.GetResponse;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.TxnResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory that client responses not yet written to their sockets hold, per connection and per
 * node, bounded by {@link ResponseLimits}.
 *
 * <p>How a client that sends calls but never reads its answers is stopped:
 * <ul>
 *   <li>Every response is {@linkplain Connection#charge charged} to its connection when it is
 *       handed to the connection and {@linkplain Connection#release released} when Vert.x reports it
 *       written; the call keeps its in-flight slot until then ({@link CallRunner}).</li>
 *   <li>A connection at {@link ResponseLimits#maxConnectionBytes()} or
 *       {@link ResponseLimits#maxConnectionCalls()} takes no new calls: its pipeline streams stop
 *       reading and its new unary calls wait ({@link Connection#whenAdmits}) until it drains.</li>
 *   <li>A read checks both budgets just before it runs ({@link Connection#checkRead()}, on the read
 *       pool) and is refused OVERLOADED when either is spent; the response it builds is charged on
 *       the read thread at once ({@link #prechargedBytes}). A write whose answer may carry stored
 *       data ({@code prev_kv}, a CompareAndSet's key-value, a Txn's gets) is checked the same way
 *       before it is proposed and reserves its largest possible answer until the answer is built
 *       ({@code KvService#proposeAnswering}). So the many calls a pipeline message can
 *       carry, all admitted before the first answer lands, cannot pile up more than the budget plus
 *       what the read threads build at the same moment.</li>
 *   <li>The socket itself: while its outbound buffer is above {@link #SOCKET_HIGH_WATER}, the
 *       connection's socket is not read at all ({@link #install}), so frames that HTTP/2 flow control
 *       does not cover (headers, trailers, resets, pings) cannot pile up either.</li>
 * </ul>
 *
 * <p>Each {@link Connection} is confined to its connection's event loop, except its byte count,
 * which the read threads read.
 */
final class ResponseBudget {
    private static final ThreadLocal<Connection> CURRENT = new ThreadLocal<>();
    /** Outbound socket buffer above which the socket is not read, and below which it is again. */
    static final int SOCKET_HIGH_WATER = 1024 * 1024;

    static final int SOCKET_LOW_WATER = 256 * 1024;

    private final ResponseLimits limits;
    private final AtomicLong nodeUnwritten = new AtomicLong();
    private final Map<HttpConnection, Connection> connections = new ConcurrentHashMap<>();

    ResponseBudget(ResponseLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * Starts accounting for {@code connection} and stops reading its socket while it cannot write;
     * the caller calls {@link #closed} from the connection's close handler.
     */
    void install(HttpConnection connection) {
        connections.put(connection, new Connection());
        if (connection instanceof ConnectionBase base) {
            Channel channel = base.channel();
            channel.eventLoop().execute(() -> {
                // Above Netty's default 64 KiB, so a burst of answers between two flushes (which
                // are coalesced) does not stop reading the socket of a client that does read.
                channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(SOCKET_LOW_WATER, SOCKET_HIGH_WATER));
                channel.pipeline().addFirst("raftkv-read-when-writable", new ReadWhenWritable());
            });
        }
    }

    /** Stops accounting for {@code connection}, which closed. */
    void closed(HttpConnection connection) {
        connections.remove(connection);
    }

    /**
     * The budget of {@code connection}; a connection this budget did not see open (a test's server
     * without the connection handler) gets a budget of its own that is not kept.
     */
    Connection of(HttpConnection connection) {
        Connection c = connection == null ? null : connections.get(connection);
        return c != null ? c : new Connection();
    }

    /** Unwritten response bytes of every connection together. */
    long unwrittenBytes() {
        return nodeUnwritten.get();
    }

    /** Connections being accounted for now. */
    int connections() {
        return connections.size();
    }

    /**
     * Runs {@code serviceCall} with {@code connection} as the {@linkplain #current() current}
     * connection, so the reads it starts are checked against that connection's budget.
     */
    static <T> T callingFrom(Connection connection, java.util.function.Supplier<T> serviceCall) {
        Connection previous = CURRENT.get();
        CURRENT.set(connection);
        try {
            return serviceCall.get();
        } finally {
            CURRENT.set(previous);
        }
    }

    /** The connection of the call being started on this thread, or null outside a client call. */
    static Connection current() {
        return CURRENT.get();
    }

    /**
     * The bytes that the service which built {@code response} already {@linkplain Connection#charge
     * charged}: the size of a Get's or Range's response (charged on the read thread), or of a Put's,
     * Delete's, CompareAndSet's or Txn's (charged as a reservation before proposing when it may
     * carry stored data, replaced by its size once built); 0 for anything else. Whoever writes or
     * drops the response settles them.
     */
    static long prechargedBytes(Object response) {
        return response instanceof GetResponse
                        || response instanceof RangeResponse
                        || response instanceof PutResponse
                        || response instanceof DeleteResponse
                        || response instanceof CompareAndSetResponse
                        || response instanceof TxnResponse
                ? ((MessageLite) response).getSerializedSize()
                : 0;
    }

    /** One connection's calls and unwritten response bytes. */
    final class Connection {
        private final AtomicLong unwritten = new AtomicLong();
        private final ArrayDeque<Runnable> waiters = new ArrayDeque<>();
        private int calls;
        private boolean waking;

        /** Whether the connection may take another call now. */
        boolean admits() {
            return calls < limits.maxConnectionCalls() && unwritten.get() < limits.maxConnectionBytes();
        }

        /** Counts a call admitted; undone by {@link #exit()} once its response is written (or dropped). */
        void enter() {
            calls++;
        }

        void exit() {
            calls--;
            wake();
        }

        /**
         * Counts {@code bytes} of a response handed to the connection, or (from a read thread) of a
         * read's response the moment it exists ({@link #prechargedBytes}).
         */
        void charge(long bytes) {
            unwritten.addAndGet(bytes);
            nodeUnwritten.addAndGet(bytes);
        }

        /** Uncounts {@code bytes} charged before, once written (or dropped). */
        void release(long bytes) {
            unwritten.addAndGet(-bytes);
            nodeUnwritten.addAndGet(-bytes);
            wake();
        }

        /** Runs {@code waiter} (on this connection's event loop) once the connection admits calls again. */
        void whenAdmits(Runnable waiter) {
            waiters.add(waiter);
            wake();
        }

        long unwrittenBytes() {
            return unwritten.get();
        }

        /**
         * OVERLOADED when this connection or the node has spent its budget of unwritten responses;
         * called on the read pool just before a read runs (so from any thread).
         */
        void checkRead() {
            long own = unwritten.get();
            if (own >= limits.maxConnectionBytes()) {
                throw RaftKvException.of(
                        ErrorReason.OVERLOADED,
                        "this connection has " + own
                                + " bytes of responses it has not read, the limit is " + limits.maxConnectionBytes()
                                + " (--max-connection-response-bytes)");
            }
            long node = nodeUnwritten.get();
            if (node >= limits.maxNodeBytes()) {
                throw RaftKvException.of(
                        ErrorReason.OVERLOADED,
                        "clients have " + node
                                + " bytes of responses not yet read, the limit is " + limits.maxNodeBytes()
                                + " (--max-node-response-bytes)");
            }
        }

        int calls() {
            return calls;
        }

        private void wake() {
            if (waking) {
                return; // a waiter admitting calls releases nothing; the outer loop goes on
            }
            waking = true;
            try {
                while (admits() && !waiters.isEmpty()) {
                    waiters.poll().run();
                }
            } finally {
                waking = false;
            }
        }
    }

    /** Reads the socket only while it can be written, so a client that does not read cannot make us buffer. */
    private static final class ReadWhenWritable extends ChannelInboundHandlerAdapter {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            boolean writable = ctx.channel().isWritable();
            ctx.channel().config().setAutoRead(writable);
            if (writable) {
                ctx.read();
            }
            super.channelWritabilityChanged(ctx);
        }
    }
}
