package io.raftkv.node.k8s;

/**
 * This node's view of its own RaftKvCluster object through the Kubernetes API. Every call blocks
 * on the network (with a deadline): call only from the start-up thread or the status reporter's
 * own thread, never from an event loop.
 *
 * <p>Only the status subresource is written, and only the fields the Raft leader owns
 * ({@code leader}, {@code term}, {@code members}, {@code commitIndex}); the operator owns the rest.
 */
public interface ClusterResource {

    /**
     * Reads the object's node-owned status fields.
     *
     * @throws ClusterResourceException when the object does not exist or the API cannot be reached
     */
    ObservedClusterStatus readStatus();

    /**
     * JSON-merge-patches {@code report} into {@code status}, only if the object is still at
     * {@code resourceVersion} (optimistic concurrency: a patch never lands on a status it did not
     * see).
     *
     * @return false when the precondition failed (409 Conflict): read again and decide again
     * @throws ClusterResourceException for any other failure
     */
    boolean patchStatus(String resourceVersion, ClusterStatusReport report);

    /** A failed call; {@link #retryable()} tells whether trying again may help. */
    final class ClusterResourceException extends RuntimeException {
        private final boolean retryable;

        public ClusterResourceException(String message, boolean retryable, Throwable cause) {
            super(message, cause);
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }
}
