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
 * How the node spreads its work over Vert.x event loops: ONE loop for Raft (the driver, its timer and
 * the whole peer transport) and the others for the client port. Keeping client traffic off the Raft
 * loop means a burst of client requests cannot delay ticks, heartbeats or acknowledgements — the
 * delays that otherwise depose a healthy leader under load.
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

    /** Vert.x options with one loop for Raft plus {@code clientLoops} for the client port. */
    public static VertxOptions options(int clientLoops) {
        if (clientLoops < 1) {
            throw new IllegalArgumentException("clientLoops must be at least 1, got " + clientLoops);
        }
        return new VertxOptions().setPreferNativeTransport(false).setEventLoopPoolSize(1 + clientLoops);
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
        if (contexts.size() < 2) {
            throw new IllegalStateException("need at least 2 event loops (Raft + client), Vert.x has " + contexts.size());
        }
        return new EventLoops(List.copyOf(contexts));
    }

    /** The Raft loop's context: driver and peer transport. */
    public Context raft() {
        return contexts.get(0);
    }

    /** The client port's contexts: every loop but the Raft one. */
    public List<Context> client() {
        return contexts.subList(1, contexts.size());
    }
}
