package io.raftkv.node.security;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Where a node's TLS material lives: its certificate chain, its private key (PEM, PKCS#8 or PKCS#1)
 * and the CA bundle it trusts (PEM, one or more certificates). In Kubernetes these are the keys
 * {@code tls.crt}, {@code tls.key} and {@code ca.crt} of a mounted Secret.
 */
public record TlsFiles(Path cert, Path key, Path ca) {

    public TlsFiles {
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(ca, "ca");
    }

    /** The same files with another CA bundle (e.g. the CA that signs client certificates). */
    public TlsFiles withCa(Path otherCa) {
        return new TlsFiles(cert, key, otherCa);
    }

    /** The three files' contents, as read now. */
    record Contents(byte[] cert, byte[] key, byte[] ca) {
        /** A digest of all three, to tell whether anything changed since the last load. */
        String digest() {
            try {
                MessageDigest d = MessageDigest.getInstance("SHA-256");
                d.update(cert);
                d.update((byte) 0);
                d.update(key);
                d.update((byte) 0);
                d.update(ca);
                return HexFormat.of().formatHex(d.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Reads the three files (blocking: never on an event loop). */
    Contents read() throws IOException {
        return new Contents(Files.readAllBytes(cert), Files.readAllBytes(key), Files.readAllBytes(ca));
    }

    /**
     * Builds the key manager and the CA trust manager (PKIX: chain, validity dates, key usage) from
     * {@code contents}.
     *
     * @throws IllegalArgumentException naming the file that could not be used
     */
    TlsMaterial build(Vertx vertx, Contents contents, long generation) {
        X509ExtendedKeyManager km;
        try {
            KeyManager[] kms = new PemKeyCertOptions()
                    .setCertValue(Buffer.buffer(contents.cert()))
                    .setKeyValue(Buffer.buffer(contents.key()))
                    .getKeyManagerFactory(vertx)
                    .getKeyManagers();
            km = (X509ExtendedKeyManager) kms[0];
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot use certificate " + cert + " with key " + key + ": " + e, e);
        }
        checkKeyMatchesCertificate(km);
        X509ExtendedTrustManager tm;
        try {
            TrustManager[] tms = new PemTrustOptions()
                    .addCertValue(Buffer.buffer(contents.ca()))
                    .getTrustManagerFactory(vertx)
                    .getTrustManagers();
            tm = (X509ExtendedTrustManager) tms[0];
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot use CA bundle " + ca + ": " + e, e);
        }
        return new TlsMaterial(generation, km, tm, contents.digest());
    }

    /**
     * Signs a probe with the key and verifies it with the certificate, so that files caught half
     * replaced (a new certificate with the old key) are refused rather than served.
     */
    private void checkKeyMatchesCertificate(X509ExtendedKeyManager km) {
        for (String type : new String[] {"EC", "RSA", "EdDSA", "Ed25519"}) {
            String[] aliases = km.getServerAliases(type, null);
            if (aliases == null) {
                continue;
            }
            for (String alias : aliases) {
                java.security.cert.X509Certificate[] chain = km.getCertificateChain(alias);
                java.security.PrivateKey pk = km.getPrivateKey(alias);
                if (chain == null || chain.length == 0 || pk == null) {
                    continue;
                }
                String algorithm = switch (pk.getAlgorithm()) {
                    case "EC" -> "SHA256withECDSA";
                    case "RSA" -> "SHA256withRSA";
                    default -> pk.getAlgorithm(); // Ed25519, EdDSA
                };
                try {
                    byte[] probe = "raftkv key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    java.security.Signature signer = java.security.Signature.getInstance(algorithm);
                    signer.initSign(pk);
                    signer.update(probe);
                    byte[] signature = signer.sign();
                    java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
                    verifier.initVerify(chain[0].getPublicKey());
                    verifier.update(probe);
                    if (verifier.verify(signature)) {
                        return;
                    }
                } catch (java.security.GeneralSecurityException e) {
                    // not this pair: fall through to the error below
                }
                throw new IllegalArgumentException("the key " + key + " does not belong to the certificate " + cert);
            }
        }
        throw new IllegalArgumentException("no usable certificate and key in " + cert + " and " + key);
    }
}
