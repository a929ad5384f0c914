package io.raftkv.raft;

import java.nio.ByteBuffer;

/**
 * One membership change, carried in a {@link EntryType#CONF_CHANGE} entry. Takes effect when the
 * driver applies the entry and calls {@link RawNode#applyConfChange(long, ConfChange)}.
 *
 * @param type    what to do
 * @param nodeId  member affected, non-zero
 * @param context opaque to the core (the node stores the member's address here)
 */
public record ConfChange(ConfChangeType type, long nodeId, byte[] context) {
    private static final byte FORMAT_V1 = 1;

    public ConfChange {
        if (nodeId == 0) {
            throw new IllegalArgumentException("conf change needs a non-zero node id");
        }
        context = context == null ? new byte[0] : context;
    }

    /** Encodes as {@code [version:1][type:1][nodeId:8][contextLen:4][context]}. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(14 + context.length);
        b.put(FORMAT_V1)
                .put((byte) type.ordinal())
                .putLong(nodeId)
                .putInt(context.length)
                .put(context);
        return b.array();
    }

    public static ConfChange decode(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        if (data.length < 14 || b.get() != FORMAT_V1) {
            throw new IllegalArgumentException("not a v1 conf change (" + data.length + " bytes)");
        }
        int t = b.get();
        if (t < 0 || t >= ConfChangeType.values().length) {
            throw new IllegalArgumentException("unknown conf change type " + t);
        }
        long id = b.getLong();
        int len = b.getInt();
        if (len != b.remaining()) {
            throw new IllegalArgumentException("conf change context length " + len + " != " + b.remaining());
        }
        byte[] ctx = new byte[len];
        b.get(ctx);
        return new ConfChange(ConfChangeType.values()[t], id, ctx);
    }
}
