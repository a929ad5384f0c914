package io.raftkv.api.client;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/**
 * Where a downloaded backup goes: a file ({@link FileSnapshotSink}) or anything else that can take
 * a stream with back-pressure (an object store's multipart upload). Every method is called on the
 * download's Vert.x context and must not block it.
 *
 * <p>Life cycle: {@link #open}, then {@link #write}s in order (the download pauses the gRPC stream
 * while {@link #writeQueueFull()} and resumes on the {@link #drainHandler}), then exactly one of
 * {@link #commit()} — only after the whole backup was verified — or {@link #abort()}. Nothing is
 * visible at {@link #location()} before a successful commit.
 */
public interface SnapshotSink {

    /** Where the data goes, for messages and {@link SnapshotInfo#location()}. */
    String location();

    /**
     * Prepares to receive data. {@code failed} is called (on the context) if the sink fails
     * asynchronously later, so the download stops at once instead of at commit.
     */
    Future<Void> open(Handler<Throwable> failed);

    /** The next bytes; the sink owns {@code data} from now on. */
    void write(Buffer data);

    /** True while the download should pause. */
    boolean writeQueueFull();

    /** Called once the queue has room again after {@link #writeQueueFull()} was true. */
    void drainHandler(Handler<Void> handler);

    /** Makes every byte durable and visible at {@link #location()}; {@code sha256} is of the whole data, hex. */
    Future<Void> commit(String sha256);

    /** Discards whatever was written; safe to call at any time, also before open completed. */
    Future<Void> abort();
}
