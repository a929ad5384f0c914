package io.raftkv.node;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Context;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;

/**
 * How the node spreads its work over Vert.x event loops: ONE loop for Raft (the driver and its
 * timer), ONE that serves the peer port (decoding and checking received batches, HTTP/2 flow
 * control, snapshot receive), ONE for outbound peer traffic (encoding, writing and acknowledging
 * what this node sends its peers, snapshot sends; the Raft loop only hands messages over), and the
 * others for the client port. Keeping
 * client traffic off the Raft loop means a burst of client requests cannot delay ticks, heartbeats or
 * acknowledgements — the delays that otherwise depose a healthy leader under load; serving the peer
 * port on its own loop means a host that floods the peer port (or a huge batch being decoded)
 * cannot stall the Raft loop either, only the port it attacks.
 *
 * <p>Vert.x would hand out event loops round-robin and, for contexts created from the same
 * non-Vert.x thread, reuse one context (that is how everything used to end up on one loop); here each
 * context is bound to an explicitly chosen loop.
 */
public final class EventLoops {
    private final List<Context> contexts;

    private EventLoops(List<Context> contexts) {
        this.contexts = contexts;
    }

    /**
     * Vert.x options with one loop for Raft, one for the peer port, one for outbound peer traffic
     * and {@code clientLoops} for the client port.
     */
    public static VertxOptions options(int clientLoops) {
        if (clientLoops < 1) {
            throw new IllegalArgumentException("clientLoops must be at least 1, got " + clientLoops);
        }
        return new VertxOptions().setPreferNativeTransport(false).setEventLoopPoolSize(3 + clientLoops);
    }

    /** Client loops for this machine: one per available processor. */
    public static int defaultClientLoops() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** One event-loop context per loop of {@code vertx} (created with {@link #options}). */
    public static EventLoops of(Vertx vertx) {
        VertxInternal internal = (VertxInternal) vertx;
        List<Context> contexts = new ArrayList<>();
        for (EventExecutor executor : internal.nettyEventLoopGroup()) {
            contexts.add(internal.contextBuilder()
                    .withThreadingModel(ThreadingModel.EVENT_LOOP)
                    .withEventLoop((EventLoop) executor)
                    .build());
        }
        if (contexts.size() < 4) {
            throw new IllegalStateException("need at least 4 event loops (Raft, peer port, outbound peer traffic,"
                    + " client), Vert.x has " + contexts.size());
        }
        return new EventLoops(List.copyOf(contexts));
    }

    /** The Raft loop's context: the driver and its timer. */
    public Context raft() {
        return contexts.get(0);
    }

    /** The context serving the peer port. */
    public Context peer() {
        return contexts.get(1);
    }

    /** The context of outbound peer traffic ({@code PeerTransport#useOutboundContext}). */
    public Context peerOutbound() {
        return contexts.get(2);
    }

    /** The client port's contexts: every loop but the Raft and the two peer ones. */
    public List<Context> client() {
        return contexts.subList(3, contexts.size());
    }
}
