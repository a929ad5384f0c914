package io.raftkv.node.server;

import io.vertx.core.Context;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The response side of one long-lived server stream (a Watch stream, RaftKV's or etcd's) whose
 * unsent bytes are counted: {@link #pendingBytes()} is what the watch hub reads to cancel a
 * watcher whose client does not read. Any thread may {@link #write}; the write itself runs on the
 * stream's context. Once closed, writes are dropped.
 *
 * @param <M> the response message
 */
public final class CountedStream<M extends com.google.protobuf.MessageLite> {
    private static final Logger LOG = LoggerFactory.getLogger(CountedStream.class);

    private final GrpcServerRequest<?, M> request;
    private final Context context;
    private final AtomicLong pending = new AtomicLong();
    private volatile boolean closed;

    /** @param context the context that received {@code request} (its handlers run there) */
    public CountedStream(GrpcServerRequest<?, M> request, Context context) {
        this.request = request;
        this.context = context;
    }

    /** Queues {@code response} for the client, counting its bytes until the write completes. */
    public void write(M response) {
        if (closed) {
            return;
        }
        int size = response.getSerializedSize();
        pending.addAndGet(size);
        context.runOnContext(v -> {
            if (closed) {
                pending.addAndGet(-size);
                return;
            }
            request.response().write(response).onComplete(ar -> pending.addAndGet(-size));
        });
    }

    /** Bytes queued or being written and not yet acknowledged by the transport. */
    public long pendingBytes() {
        return pending.get();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Stops writing; runs {@code onClosed} the first time only (the stream failed or was reset). */
    public void close(Runnable onClosed) {
        if (!closed) {
            closed = true;
            onClosed.run();
        }
    }

    /** The client ended its side: {@link #close} and end ours. */
    public void end(Runnable onClosed) {
        if (!closed) {
            close(onClosed);
            try {
                request.response().end();
            } catch (IllegalStateException e) {
                LOG.debug("stream already ended: {}", e.toString());
            }
        }
    }
}
