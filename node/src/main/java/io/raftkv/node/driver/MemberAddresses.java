package io.raftkv.node.driver;

import io.raftkv.node.net.HostPort;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A member's addresses as carried in a ConfChange's context (so every replica learns them from
 * the log): {@code [version=1][peerLen:2][peer UTF-8][clientLen:2][client UTF-8]}.
 *
 * @param peerAddress   {@code host:port} of the peer port, never empty
 * @param clientAddress {@code host:port} of the client port, or "" when unknown
 */
public record MemberAddresses(String peerAddress, String clientAddress) {
    private static final byte FORMAT_V1 = 1;

    /** @throws IllegalArgumentException naming the bad address */
    public MemberAddresses {
        HostPort.parse(peerAddress);
        clientAddress = clientAddress == null ? "" : clientAddress.trim();
        if (!clientAddress.isEmpty()) {
            HostPort.parse(clientAddress);
        }
    }

    public byte[] encode() {
        byte[] p = peerAddress.getBytes(StandardCharsets.UTF_8);
        byte[] c = clientAddress.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + p.length + c.length)
                .put(FORMAT_V1)
                .putShort((short) p.length)
                .put(p)
                .putShort((short) c.length)
                .put(c)
                .array();
    }

    /** @return the addresses, or null for an empty context (a change proposed without addresses) */
    public static MemberAddresses decodeOrNull(byte[] context) {
        if (context == null || context.length == 0) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(context);
        if (context.length < 5 || b.get() != FORMAT_V1) {
            throw new IllegalArgumentException(
                    "conf change context is not v1 member addresses (" + context.length + " bytes)");
        }
        String peer = readString(b);
        String client = readString(b);
        return new MemberAddresses(peer, client);
    }

    private static String readString(ByteBuffer b) {
        int len = Short.toUnsignedInt(b.getShort());
        if (len > b.remaining()) {
            throw new IllegalArgumentException("member address length " + len + " exceeds context");
        }
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
