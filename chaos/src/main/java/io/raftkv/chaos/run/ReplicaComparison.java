package io.raftkv.chaos.run;

import io.raftkv.api.v1.StatusResponse;
import io.raftkv.chaos.cluster.NodeProcess;
import io.raftkv.chaos.cluster.ProcessCluster;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Compares the state machines of every member once they have applied the same log: asks each for
 * its Status with the state hash until all answer with the same {@code state_hash_index} (after
 * the workload stopped, indexes converge as followers catch up), then compares the hashes.
 *
 * @param equal  every member hashed the same index and got the same hash
 * @param index  the common index, or -1 if the members never reached one
 * @param detail per-node hash@index (or why not), for the summary and the event log
 */
record ReplicaComparison(boolean equal, long index, String detail) {

    static ReplicaComparison compare(ProcessCluster cluster, Duration timeout) {
        AtomicReference<String> last = new AtomicReference<>("no status yet");
        try {
            return ProcessCluster.awaitValue("every member at one applied index with its state hash", timeout, () -> {
                for (int id : cluster.nodeIds()) {
                    NodeProcess n = cluster.node(id);
                    if (!n.isResponsive()) {
                        last.set("member " + id + (n.isRunning() ? " is paused" : " is not running"));
                        return Optional.empty();
                    }
                }
                Map<Integer, Optional<StatusResponse>> statuses = cluster.memberStatuses(true);
                Map<Integer, String> view = new TreeMap<>();
                long index = -1;
                boolean sameIndex = true;
                for (int id : cluster.nodeIds()) {
                    Optional<StatusResponse> s = statuses.getOrDefault(id, Optional.empty());
                    if (s.isEmpty()) {
                        view.put(id, "no answer");
                        sameIndex = false;
                        continue;
                    }
                    StatusResponse r = s.get();
                    view.put(id, String.format("%016x@%d", r.getStateHash(), r.getStateHashIndex()));
                    if (index == -1) {
                        index = r.getStateHashIndex();
                    } else if (index != r.getStateHashIndex()) {
                        sameIndex = false;
                    }
                }
                last.set(view.toString());
                if (!sameIndex) {
                    return Optional.empty();
                }
                long distinct = statuses.values().stream()
                        .map(s -> s.orElseThrow().getStateHash())
                        .distinct()
                        .count();
                return Optional.of(new ReplicaComparison(distinct == 1, index, view.toString()));
            });
        } catch (IllegalStateException timedOut) {
            return new ReplicaComparison(
                    false,
                    -1,
                    "members never reached one applied index within " + timeout + "; last view: " + last.get());
        }
    }
}
