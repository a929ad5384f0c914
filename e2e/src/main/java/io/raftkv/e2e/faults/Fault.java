package io.raftkv.e2e.faults;

import java.time.Duration;

/**
 * One kind of trouble a chaos run puts a cluster through. The harness calls {@link #inject}, keeps
 * the fault active for a while (at least {@link #minimumActive}) while clients run, then calls
 * {@link #heal}. An instance remembers what it did (which node it killed, ...) between the two,
 * so it serves one inject/heal cycle at a time. {@code heal} undoes exactly what {@code inject}
 * did, is safe after a partly failed inject, and is idempotent.
 */
public interface Fault {
    /** Short name for reports, e.g. {@code kill-leader}. */
    String name();

    void inject(ClusterControl cluster);

    void heal(ClusterControl cluster);

    /** How long the fault must stay active to mean anything (e.g. a pause past the election timeout). */
    default Duration minimumActive(ClusterControl cluster) {
        return Duration.ZERO;
    }
}
