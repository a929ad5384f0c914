package io.raftkv.node.kv;

/**
 * A read or watch asked for a revision the store cannot serve: compacted away, or not reached yet.
 * The numbers are in the exception so a client can restart from the right place.
 */
public final class RevisionUnavailableException extends RuntimeException {
    private final long requested;
    private final long compactRevision;
    private final long currentRevision;

    private RevisionUnavailableException(String message, long requested, long compactRevision, long currentRevision) {
        super(message);
        this.requested = requested;
        this.compactRevision = compactRevision;
        this.currentRevision = currentRevision;
    }

    public static RevisionUnavailableException compacted(long requested, Revisions r) {
        return new RevisionUnavailableException(
                "revision " + requested + " has been compacted; the compact revision is " + r.compacted()
                        + " (read or watch from " + r.compacted() + " or later)",
                requested,
                r.compacted(),
                r.current());
    }

    public static RevisionUnavailableException future(long requested, Revisions r) {
        return new RevisionUnavailableException(
                "revision " + requested + " is a future revision; the store is at " + r.current(),
                requested,
                r.compacted(),
                r.current());
    }

    /** True when the revision was compacted, false when it is in the future. */
    public boolean compacted() {
        return requested < compactRevision;
    }

    public long requested() {
        return requested;
    }

    public long compactRevision() {
        return compactRevision;
    }

    public long currentRevision() {
        return currentRevision;
    }
}
