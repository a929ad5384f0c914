package io.raftkv.raft;

/** Raft message kinds. Local kinds never cross the network. */
public enum MessageType {
    /** Local: start an election (sent to self when the election timeout fires). */
    HUP(true),
    /** Local: leader should broadcast a heartbeat. */
    BEAT(true),
    /** Proposal of entries; forwarded by followers to the leader. */
    PROP(false),
    APP(false),
    APP_RESP(false),
    PRE_VOTE(false),
    PRE_VOTE_RESP(false),
    VOTE(false),
    VOTE_RESP(false),
    /** Leader tells a follower to install a snapshot (metadata here; data streamed by the driver). */
    SNAP(false),
    HEARTBEAT(false),
    HEARTBEAT_RESP(false),
    /** Local: a peer could not be reached. */
    UNREACHABLE(true),
    /** Local: the driver reports whether a snapshot transfer succeeded ({@code reject} = failed). */
    SNAP_STATUS(true),
    /** Local: leader checks that a quorum was active during the last election timeout. */
    CHECK_QUORUM(true),
    /** Leadership transfer request; {@code from} is the transferee. */
    TRANSFER_LEADER(false),
    /** Leader tells the transferee to campaign immediately (§3.10). */
    TIMEOUT_NOW(false),
    READ_INDEX(false),
    READ_INDEX_RESP(false);

    private final boolean local;

    MessageType(boolean local) {
        this.local = local;
    }

    public boolean isLocal() {
        return local;
    }

    public boolean isResponse() {
        return this == APP_RESP
                || this == VOTE_RESP
                || this == PRE_VOTE_RESP
                || this == HEARTBEAT_RESP
                || this == READ_INDEX_RESP;
    }
}
