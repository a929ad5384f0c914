package io.raftkv.operator.membership;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The operator's TLS client credentials towards one node: the CA bundle the node's server
 * certificate must chain to, the operator's own certificate and key (PEM; its CN is the user
 * the node authorizes as admin), and the host name the node's certificate must carry (the pod's
 * DNS name, also when the dial target is an address).
 */
public record ClientTls(String trustPem, String certificatePem, String keyPem, String authority) {

    /** A short digest of the material: a channel is rebuilt when it changes (a renewal). */
    public String fingerprint() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {trustPem, certificatePem, keyPem, authority}) {
                digest.update(part.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "ClientTls{authority=" + authority + ", fingerprint=" + fingerprint() + "}";
    }
}
