package io.raftkv.node.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.raftkv.api.peer.v1.RaftMessage;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * Copies {@link Message} to and from its wire form {@link RaftMessage}, field for field. Entry
 * payloads are wrapped, never copied, on the way out ({@link Entry} data is immutable by contract).
 * Snapshot data never travels inside a message: only the metadata does; the data is streamed by
 * InstallSnapshot.
 *
 * <p>Decoding rejects what a well-behaved peer never sends — local-only kinds, unknown enum values —
 * with {@link IllegalArgumentException}, so a corrupt or hostile batch is refused as a whole instead
 * of reaching the core.
 */
public final class PeerMessageCodec {

    private PeerMessageCodec() {}

    public static RaftMessage encode(Message m) {
        RaftMessage.Builder b = RaftMessage.newBuilder()
                .setType(encodeType(m.type()))
                .setTo(m.to())
                .setFrom(m.from())
                .setTerm(m.term())
                .setLogTerm(m.logTerm())
                .setIndex(m.index())
                .setCommit(m.commit())
                .setReject(m.reject())
                .setRejectHint(m.rejectHint());
        if (m.context().length > 0) {
            b.setContext(UnsafeByteOperations.unsafeWrap(m.context()));
        }
        for (Entry e : m.entries()) {
            b.addEntries(encodeEntry(e));
        }
        if (m.snapshot() != null && !m.snapshot().isEmpty()) {
            b.setSnapshot(io.raftkv.api.peer.v1.Snapshot.newBuilder()
                    .setMetadata(encodeMetadata(m.snapshot().metadata())));
        }
        return b.build();
    }

    public static Message decode(RaftMessage w) {
        List<Entry> entries = new ArrayList<>(w.getEntriesCount());
        for (io.raftkv.api.peer.v1.Entry e : w.getEntriesList()) {
            entries.add(decodeEntry(e));
        }
        Snapshot snapshot = null;
        if (w.hasSnapshot()) {
            snapshot = new Snapshot(decodeMetadata(w.getSnapshot().getMetadata()), null);
        }
        return Message.builder(decodeType(w.getType()))
                .to(w.getTo())
                .from(w.getFrom())
                .term(w.getTerm())
                .logTerm(w.getLogTerm())
                .index(w.getIndex())
                .entries(entries)
                .commit(w.getCommit())
                .snapshot(snapshot)
                .reject(w.getReject())
                .rejectHint(w.getRejectHint())
                .context(w.getContext().isEmpty() ? null : w.getContext().toByteArray())
                .build();
    }

    public static io.raftkv.api.peer.v1.Entry encodeEntry(Entry e) {
        return io.raftkv.api.peer.v1.Entry.newBuilder()
                .setTerm(e.term())
                .setIndex(e.index())
                .setType(
                        e.type() == EntryType.NORMAL
                                ? io.raftkv.api.peer.v1.EntryType.NORMAL
                                : io.raftkv.api.peer.v1.EntryType.CONF_CHANGE)
                .setData(e.data().length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(e.data()))
                .build();
    }

    public static Entry decodeEntry(io.raftkv.api.peer.v1.Entry e) {
        EntryType type = switch (e.getType()) {
            case NORMAL -> EntryType.NORMAL;
            case CONF_CHANGE -> EntryType.CONF_CHANGE;
            default ->
                throw new IllegalArgumentException(
                        "unknown entry type " + e.getTypeValue() + " at index " + e.getIndex());
        };
        return new Entry(e.getTerm(), e.getIndex(), type, e.getData().toByteArray());
    }

    public static io.raftkv.api.peer.v1.SnapshotMetadata encodeMetadata(SnapshotMetadata m) {
        return io.raftkv.api.peer.v1.SnapshotMetadata.newBuilder()
                .setIndex(m.index())
                .setTerm(m.term())
                .setConfState(io.raftkv.api.peer.v1.ConfState.newBuilder()
                        .addAllVoters(m.confState().voters())
                        .addAllLearners(m.confState().learners()))
                .build();
    }

    public static SnapshotMetadata decodeMetadata(io.raftkv.api.peer.v1.SnapshotMetadata m) {
        ConfState cs = new ConfState(
                new HashSet<>(m.getConfState().getVotersList()),
                new HashSet<>(m.getConfState().getLearnersList()));
        return new SnapshotMetadata(m.getIndex(), m.getTerm(), cs);
    }

    static io.raftkv.api.peer.v1.MessageType encodeType(MessageType t) {
        return switch (t) {
            case PROP -> io.raftkv.api.peer.v1.MessageType.PROP;
            case APP -> io.raftkv.api.peer.v1.MessageType.APP;
            case APP_RESP -> io.raftkv.api.peer.v1.MessageType.APP_RESP;
            case PRE_VOTE -> io.raftkv.api.peer.v1.MessageType.PRE_VOTE;
            case PRE_VOTE_RESP -> io.raftkv.api.peer.v1.MessageType.PRE_VOTE_RESP;
            case VOTE -> io.raftkv.api.peer.v1.MessageType.VOTE;
            case VOTE_RESP -> io.raftkv.api.peer.v1.MessageType.VOTE_RESP;
            case SNAP -> io.raftkv.api.peer.v1.MessageType.SNAP;
            case HEARTBEAT -> io.raftkv.api.peer.v1.MessageType.HEARTBEAT;
            case HEARTBEAT_RESP -> io.raftkv.api.peer.v1.MessageType.HEARTBEAT_RESP;
            case TRANSFER_LEADER -> io.raftkv.api.peer.v1.MessageType.TRANSFER_LEADER;
            case TIMEOUT_NOW -> io.raftkv.api.peer.v1.MessageType.TIMEOUT_NOW;
            case READ_INDEX -> io.raftkv.api.peer.v1.MessageType.READ_INDEX;
            case READ_INDEX_RESP -> io.raftkv.api.peer.v1.MessageType.READ_INDEX_RESP;
            case HUP, BEAT, UNREACHABLE, SNAP_STATUS, CHECK_QUORUM ->
                throw new IllegalArgumentException("local message kind " + t + " never crosses the network");
        };
    }

    static MessageType decodeType(io.raftkv.api.peer.v1.MessageType t) {
        return switch (t) {
            case PROP -> MessageType.PROP;
            case APP -> MessageType.APP;
            case APP_RESP -> MessageType.APP_RESP;
            case PRE_VOTE -> MessageType.PRE_VOTE;
            case PRE_VOTE_RESP -> MessageType.PRE_VOTE_RESP;
            case VOTE -> MessageType.VOTE;
            case VOTE_RESP -> MessageType.VOTE_RESP;
            case SNAP -> MessageType.SNAP;
            case HEARTBEAT -> MessageType.HEARTBEAT;
            case HEARTBEAT_RESP -> MessageType.HEARTBEAT_RESP;
            case TRANSFER_LEADER -> MessageType.TRANSFER_LEADER;
            case TIMEOUT_NOW -> MessageType.TIMEOUT_NOW;
            case READ_INDEX -> MessageType.READ_INDEX;
            case READ_INDEX_RESP -> MessageType.READ_INDEX_RESP;
            case MESSAGE_TYPE_UNSPECIFIED, UNRECOGNIZED ->
                throw new IllegalArgumentException("unknown message type " + t);
        };
    }
}
