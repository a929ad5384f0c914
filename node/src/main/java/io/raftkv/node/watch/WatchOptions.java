package io.raftkv.node.watch;

/**
 * Bounds of the watch machinery.
 *
 * @param streamBufferBytes      bytes of responses one stream may have written but not yet sent to
 *                               its client; a watcher with more to send then is canceled as slow
 * @param recentChangeBytes      most keys plus values of the changes kept in memory for watchers
 *                               that have not been sent them yet (others are read from the history)
 * @param handOffBytes           changes the apply thread may queue for the hub before it drops them
 *                               (watchers then read them from the history)
 * @param maxWatchersPerStream   watchers one stream may hold
 * @param progressIntervalMillis how often an idle, caught-up watcher that asked for progress
 *                               notifications gets one
 * @param batchEvents            most events in one response (whole revisions; a revision with more
 *                               changes is sent alone)
 * @param batchBytes             about the most key and value bytes in one response (same rule)
 */
public record WatchOptions(
        long streamBufferBytes,
        long recentChangeBytes,
        long handOffBytes,
        int maxWatchersPerStream,
        long progressIntervalMillis,
        int batchEvents,
        int batchBytes) {
    public WatchOptions {
        if (streamBufferBytes < 1
                || recentChangeBytes < 1
                || handOffBytes < 1
                || maxWatchersPerStream < 1
                || progressIntervalMillis < 1
                || batchEvents < 1
                || batchBytes < 1) {
            throw new IllegalArgumentException("watch options must be positive: " + this);
        }
    }

    public static WatchOptions defaults() {
        return new WatchOptions(8L << 20, 16L << 20, 64L << 20, 10_000, 10_000, 1_000, 1 << 20);
    }

    public WatchOptions withStreamBufferBytes(long bytes) {
        return new WatchOptions(
                bytes,
                recentChangeBytes,
                handOffBytes,
                maxWatchersPerStream,
                progressIntervalMillis,
                batchEvents,
                batchBytes);
    }

    public WatchOptions withProgressIntervalMillis(long millis) {
        return new WatchOptions(
                streamBufferBytes,
                recentChangeBytes,
                handOffBytes,
                maxWatchersPerStream,
                millis,
                batchEvents,
                batchBytes);
    }

    public WatchOptions withRecentChangeBytes(long bytes) {
        return new WatchOptions(
                streamBufferBytes,
                bytes,
                handOffBytes,
                maxWatchersPerStream,
                progressIntervalMillis,
                batchEvents,
                batchBytes);
    }
}
