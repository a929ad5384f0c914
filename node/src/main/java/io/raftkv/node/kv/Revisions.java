package io.raftkv.node.kv;

/**
 * The store's revision counter, etcd's model: the empty store is at revision 1, and every applied
 * entry that changes at least one key (a put, a delete of a present key, a transaction whose branch
 * wrote) takes the next revision, shared by all its changes. Entries that change nothing (a failed
 * compare without writes, a delete of an absent key, a no-op, a configuration change, a rejected or
 * duplicate command) leave it unchanged. So revisions are dense and identical on every replica:
 * they depend only on the committed log, never on the Raft index or term.
 *
 * <p>Within a revision, changes are numbered by a sub-revision from 0, in the order the entry made
 * them. The history ({@code history} and {@code key_index} column families, see {@link MvccRecords})
 * keeps every change with revision ≥ {@code compacted}, plus, for every key, its latest version
 * before {@code compacted} unless that is a deletion: so the state at any revision ≥ compacted can
 * be read and every change from a revision ≥ compacted on can be watched.
 *
 * @param current   the store's revision: the revision of the latest change, 1 when nothing was written
 * @param compacted the compact revision: reads and watches at revisions below it are refused; 0
 *                  (nothing compacted) or at most {@code current}
 */
public record Revisions(long current, long compacted) {
    public static final Revisions INITIAL = new Revisions(1, 0);

    public Revisions {
        if (current < 1) {
            throw new IllegalArgumentException("revision must be ≥ 1, got " + current);
        }
        if (compacted < 0 || compacted > current) {
            throw new IllegalArgumentException("compact revision " + compacted + " outside 0.." + current);
        }
    }
}
