package io.raftkv.node.server;

import io.vertx.core.Future;
import java.util.function.Supplier;

/** Small helpers shared by the services. */
final class Calls {
    private Calls() {}

    /**
     * Runs {@code body}, turning a synchronous throw (a validation error) into a failed future, so
     * a service method always answers through its future whoever calls it.
     */
    static <T> Future<T> guarded(Supplier<Future<T>> body) {
        try {
            return body.get();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }
}
