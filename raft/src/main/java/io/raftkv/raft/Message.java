package io.raftkv.raft;

import java.util.List;
import java.util.Objects;

/**
 * A Raft message, in or out. One shape for all kinds (like etcd's {@code raftpb.Message}); which
 * fields matter depends on {@link #type()}:
 * <ul>
 *   <li>{@code APP}: {@code index}/{@code logTerm} identify the entry preceding {@code entries};
 *       {@code commit} is the leader's commit index.</li>
 *   <li>{@code APP_RESP}: {@code index} is the last index the follower now matches (accept) or the
 *       rejected index (reject); on reject {@code rejectHint} and {@code logTerm} are the
 *       follower's fast-backtracking hint (§5.3 optimisation): the largest index ≤ the rejected one
 *       whose term ≤ the leader's term at that index, and that entry's term.</li>
 *   <li>{@code VOTE}/{@code PRE_VOTE}: {@code index}/{@code logTerm} describe the candidate's last
 *       entry; {@code context} carries {@link #CAMPAIGN_TRANSFER} for a transfer election.</li>
 *   <li>{@code SNAP}: {@code snapshot} holds the metadata (and, in tests, the data).</li>
 *   <li>{@code READ_INDEX}/{@code READ_INDEX_RESP}/{@code HEARTBEAT*}: {@code context} is the read
 *       request context.</li>
 * </ul>
 * The entries list is never copied on the hot path; receivers must not mutate it.
 */
public record Message(
        MessageType type,
        long to,
        long from,
        long term,
        long logTerm,
        long index,
        List<Entry> entries,
        long commit,
        Snapshot snapshot,
        boolean reject,
        long rejectHint,
        byte[] context) {

    /** Vote context marking an election started by a leadership transfer (bypasses leases). */
    public static final byte[] CAMPAIGN_TRANSFER =
            "CampaignTransfer".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    public Message {
        Objects.requireNonNull(type, "type");
        entries = entries == null ? List.of() : entries;
        context = context == null ? new byte[0] : context;
    }

    public static Builder builder(MessageType type) {
        return new Builder(type);
    }

    public Builder toBuilder() {
        return new Builder(type)
                .to(to)
                .from(from)
                .term(term)
                .logTerm(logTerm)
                .index(index)
                .entries(entries)
                .commit(commit)
                .snapshot(snapshot)
                .reject(reject)
                .rejectHint(rejectHint)
                .context(context);
    }

    /** Total payload bytes of {@link #entries()} (approximate), for byte limits. */
    public long entriesSizeBytes() {
        long s = 0;
        for (Entry e : entries) {
            s += e.sizeBytes();
        }
        return s;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder()
                .append(type)
                .append(' ')
                .append(from)
                .append("->")
                .append(to)
                .append(" t")
                .append(term);
        if (logTerm != 0 || index != 0) {
            b.append(" lt").append(logTerm).append(" i").append(index);
        }
        if (!entries.isEmpty()) {
            b.append(" ents[")
                    .append(entries.get(0).index())
                    .append("..")
                    .append(entries.get(entries.size() - 1).index())
                    .append(']');
        }
        if (commit != 0) {
            b.append(" c").append(commit);
        }
        if (reject) {
            b.append(" REJECT hint").append(rejectHint);
        }
        if (snapshot != null && !snapshot.isEmpty()) {
            b.append(" snap@").append(snapshot.metadata().index());
        }
        return b.toString();
    }

    /** Fluent construction; unset fields are zero / empty. */
    public static final class Builder {
        private final MessageType type;
        private long to;
        private long from;
        private long term;
        private long logTerm;
        private long index;
        private List<Entry> entries = List.of();
        private long commit;
        private Snapshot snapshot;
        private boolean reject;
        private long rejectHint;
        private byte[] context;

        private Builder(MessageType type) {
            this.type = type;
        }

        public Builder to(long v) {
            this.to = v;
            return this;
        }

        public Builder from(long v) {
            this.from = v;
            return this;
        }

        public Builder term(long v) {
            this.term = v;
            return this;
        }

        public Builder logTerm(long v) {
            this.logTerm = v;
            return this;
        }

        public Builder index(long v) {
            this.index = v;
            return this;
        }

        public Builder entries(List<Entry> v) {
            this.entries = v;
            return this;
        }

        public Builder commit(long v) {
            this.commit = v;
            return this;
        }

        public Builder snapshot(Snapshot v) {
            this.snapshot = v;
            return this;
        }

        public Builder reject(boolean v) {
            this.reject = v;
            return this;
        }

        public Builder rejectHint(long v) {
            this.rejectHint = v;
            return this;
        }

        public Builder context(byte[] v) {
            this.context = v;
            return this;
        }

        public Message build() {
            return new Message(
                    type, to, from, term, logTerm, index, entries, commit, snapshot, reject, rejectHint, context);
        }
    }
}
