package io.raftkv.api.client;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the client sends its next call: the node it believes leads. Starts with the first seed;
 * a NOT_LEADER hint moves it to the hinted address; an unreachable or leaderless node moves it to
 * the next known endpoint, so repeated failures cycle through every node.
 *
 * <p>Thread-safe without locks: the state is one immutable {@link View} swapped atomically.
 * Invariant: {@code view.preferred} is always an element of {@code view.known}; {@code known}
 * holds the seeds plus at most {@link #MAX_LEARNED} addresses learned from hints.
 */
final class LeaderTracker {
    static final int MAX_LEARNED = 16;

    private final List<Endpoint> seeds;
    private final AtomicReference<View> view;

    private record View(List<Endpoint> known, Endpoint preferred) {}

    LeaderTracker(List<Endpoint> seeds) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint is required");
        }
        this.seeds = List.copyOf(seeds);
        this.view = new AtomicReference<>(new View(this.seeds, this.seeds.get(0)));
    }

    /** The endpoint the next call should go to. */
    Endpoint current() {
        return view.get().preferred;
    }

    /** Every endpoint the client knows, seeds first. */
    List<Endpoint> known() {
        return view.get().known;
    }

    /**
     * {@code from} answered NOT_LEADER. Moves to the hinted leader when the hint is a valid
     * address; otherwise behaves like {@link #onUnreachable}.
     *
     * @return true when the next attempt goes to a different endpoint than {@code from}
     */
    boolean onNotLeader(Endpoint from, String leaderAddress) {
        Endpoint hinted;
        try {
            hinted = leaderAddress == null || leaderAddress.isEmpty() ? null : Endpoint.parse(leaderAddress);
        } catch (IllegalArgumentException malformed) {
            hinted = null;
        }
        if (hinted == null || hinted.equals(from)) {
            onUnreachable(from);
            return !current().equals(from);
        }
        final Endpoint target = hinted;
        view.updateAndGet(v -> new View(withLearned(v.known, target), target));
        return true;
    }

    /** {@code failed} could not serve the call; moves on to the endpoint after it (if still preferred). */
    void onUnreachable(Endpoint failed) {
        view.updateAndGet(v -> {
            if (!v.preferred.equals(failed)) {
                return v; // another call already moved on
            }
            int i = v.known.indexOf(failed);
            Endpoint next = v.known.get((i + 1) % v.known.size());
            return new View(v.known, next);
        });
    }

    private List<Endpoint> withLearned(List<Endpoint> known, Endpoint e) {
        if (known.contains(e)) {
            return known;
        }
        List<Endpoint> learned = new ArrayList<>(known.subList(seeds.size(), known.size()));
        learned.add(e);
        while (learned.size() > MAX_LEARNED) {
            learned.remove(0);
        }
        List<Endpoint> out = new ArrayList<>(seeds);
        out.addAll(learned);
        return List.copyOf(out);
    }
}
