package io.raftkv.cli;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The CLI tests' certificates (BouncyCastle), made in the test: a self-signed CA and leaf
 * certificates it signs (IP 127.0.0.1 and DNS localhost, plus any URI SANs), written as PEM files.
 * Used by {@link S3TlsTest} (s3rver's certificate) and {@link RaftKvCtlTlsTest} (a node's and a
 * client's).
 */
final class TestCerts {
    private TestCerts() {}

    /** A CA: its keys and self-signed certificate. */
    record Ca(KeyPair keys, X509Certificate cert) {
        static Ca create(String name) throws Exception {
            KeyPair keys = TestCerts.keys();
            return new Ca(keys, caCertificate(name, keys));
        }

        /** Writes the CA certificate (PEM) to {@code file}. */
        Path writeTo(Path file) throws Exception {
            return write(file, pem("CERTIFICATE", cert.getEncoded()));
        }

        /**
         * Issues a leaf certificate for {@code commonName} (with 127.0.0.1, localhost and
         * {@code uris} as SANs) and writes {@code <name>.crt} and {@code <name>.key} under {@code dir}.
         */
        Leaf issue(Path dir, String name, String commonName, String... uris) throws Exception {
            KeyPair leafKeys = TestCerts.keys();
            X509Certificate leaf = leafCertificate(cert, keys, leafKeys, commonName, uris);
            Path certFile = write(dir.resolve(name + ".crt"), pem("CERTIFICATE", leaf.getEncoded()));
            Path keyFile = write(
                    dir.resolve(name + ".key"),
                    pem("PRIVATE KEY", leafKeys.getPrivate().getEncoded()));
            return new Leaf(certFile, keyFile);
        }
    }

    /** The PEM files of an issued certificate and its key. */
    record Leaf(Path cert, Path key) {}

    static KeyPair keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    static X509Certificate caCertificate(String name, KeyPair keys) throws Exception {
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = builder(subject, subject, keys);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return sign(b, keys);
    }

    static X509Certificate leafCertificate(
            X509Certificate ca, KeyPair caKeys, KeyPair keys, String commonName, String... uris) throws Exception {
        X509v3CertificateBuilder b = builder(
                X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                new X500Name("CN=" + commonName),
                keys);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        List<GeneralName> sans = new ArrayList<>();
        sans.add(new GeneralName(
                GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress()));
        sans.add(new GeneralName(GeneralName.dNSName, "localhost"));
        for (String uri : uris) {
            sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        return sign(b, caKeys);
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                issuer,
                BigInteger.valueOf(System.nanoTime()),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))),
                subject,
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    static Path write(Path file, String text) throws Exception {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        return file;
    }
}
