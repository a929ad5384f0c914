package io.raftkv.api.client;

import io.vertx.core.Context;
import io.vertx.grpc.client.GrpcClient;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@link PipelineStream}s of one connection slot, one per node, opened on first use and
 * replaced when they fail. Nodes that answered UNIMPLEMENTED (a version without {@code KV.Pipeline})
 * get unary calls for {@link #UNSUPPORTED_RECHECK_NANOS}, then are tried again, so a node upgraded
 * in place is pipelined again without restarting the client.
 *
 * <p>Confined to the slot's context, like the streams.
 */
final class PipelineStreams {
    static final long UNSUPPORTED_RECHECK_NANOS = 60_000_000_000L;

    private final Context context;
    private final GrpcClient client;
    private final Map<Endpoint, PipelineStream> open = new HashMap<>();
    private final Map<Endpoint, Long> unsupportedSince = new HashMap<>();

    PipelineStreams(Context context, GrpcClient client) {
        this.context = context;
        this.client = client;
    }

    /** Whether calls to {@code target} should be pipelined (false while it is known not to serve them). */
    boolean supports(Endpoint target) {
        Long since = unsupportedSince.get(target);
        if (since == null) {
            return true;
        }
        if (System.nanoTime() - since >= UNSUPPORTED_RECHECK_NANOS) {
            unsupportedSince.remove(target);
            return true;
        }
        return false;
    }

    /** Remembers that {@code target} answered UNIMPLEMENTED. */
    void unsupported(Endpoint target) {
        unsupportedSince.put(target, System.nanoTime());
    }

    /** The open stream to {@code target}, opening one if there is none. */
    PipelineStream to(Endpoint target) {
        PipelineStream s = open.get(target);
        if (s == null || s.isDead()) {
            s = PipelineStream.open(context, client, target, dead -> open.remove(target, dead));
            open.put(target, s);
        }
        return s;
    }
}
