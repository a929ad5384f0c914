package io.raftkv.bench.cluster;

import io.raftkv.api.client.ClientCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS material of a local benchmark cluster, made by {@code scripts/local-ca.sh} (openssl):
 * {@code ca.crt}, {@code node-N/tls.crt|tls.key} per member (IP SAN 127.0.0.1, server and client
 * use), {@code admin.crt|admin.key} for the load generator and the status probes.
 */
final class LocalCa {
    private LocalCa() {}

    /**
     * Runs {@code scripts/local-ca.sh dir members raftkv} (found from the working directory or one of
     * its parents: the repository root, or a module directory when tests run); returns {@code dir}.
     */
    static Path generate(Path dir, int members) {
        Path script = Path.of("scripts", "local-ca.sh");
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(script))) {
                script = d.resolve(script);
                break;
            }
        }
        try {
            Process p = new ProcessBuilder(script.toString(), dir.toString(), Integer.toString(members), "raftkv")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("scripts/local-ca.sh failed: " + out);
            }
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run scripts/local-ca.sh (run from the repository root): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while generating certificates", e);
        }
    }

    /** The admin client certificate (CN admin) with the CA. */
    static ClientCredentials adminCredentials(Path dir) {
        return new ClientCredentials(dir.resolve("ca.crt"), dir.resolve("admin.crt"), dir.resolve("admin.key"), null);
    }

    /** A JDK TLS context that trusts the CA and presents the client certificate (EC key, PKCS#8 PEM). */
    static SSLContext sslContext(ClientCredentials credentials) {
        try {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(credentials.caFile())) {
                trust.setCertificateEntry("ca", x509.generateCertificate(in));
            }
            Certificate[] chain;
            try (InputStream in = Files.newInputStream(credentials.certFile())) {
                chain = x509.generateCertificates(in).toArray(new Certificate[0]);
            }
            String pem = Files.readString(credentials.keyFile());
            byte[] der = Base64.getMimeDecoder()
                    .decode(pem.replaceAll("-----[A-Z ]+-----", "").trim());
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
            KeyStore identity = KeyStore.getInstance("PKCS12");
            identity.load(null, null);
            identity.setKeyEntry("client", key, new char[0], chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(identity, new char[0]);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the TLS files " + credentials + ": " + e, e);
        }
    }
}
