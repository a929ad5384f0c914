package io.raftkv.node.security;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for tests (BouncyCastle): issues leaf certificates with the SANs the
 * node's TLS rules read, valid or expired, and writes them as the PEM files a node loads.
 */
public final class TestCa {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    private final String name;
    private final KeyPair keys;
    private final X509Certificate cert;

    private TestCa(String name, KeyPair keys, X509Certificate cert) {
        this.name = name;
        this.keys = keys;
        this.cert = cert;
    }

    /** A new self-signed CA valid from an hour ago for a day. */
    public static TestCa create(String name) {
        try {
            KeyPair keys = ecKeys();
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=" + name);
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    subject,
                    serial(),
                    Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(1))),
                    subject,
                    keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new TestCa(name, keys, sign(b, keys.getPrivate()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a leaf certificate says and how long it is valid. */
    public record Leaf(
            String commonName,
            List<String> uris,
            List<String> dnsNames,
            List<String> ips,
            Instant notBefore,
            Instant notAfter) {
        /** A member certificate: URI SAN {@code raftkv://<cluster>/member/<id>}, IP 127.0.0.1, DNS localhost. */
        public static Leaf member(String cluster, long id) {
            Instant now = Instant.now();
            return new Leaf(
                    "member-" + id,
                    List.of(CertificateNames.memberUri(cluster, id)),
                    List.of("localhost"),
                    List.of("127.0.0.1"),
                    now.minus(Duration.ofHours(1)),
                    now.plus(Duration.ofHours(12)));
        }

        /** A client certificate for {@code user} (its CN). */
        public static Leaf user(String user) {
            Instant now = Instant.now();
            return new Leaf(
                    user,
                    List.of(),
                    List.of(),
                    List.of(),
                    now.minus(Duration.ofHours(1)),
                    now.plus(Duration.ofHours(12)));
        }

        /** This certificate, expired a minute ago. */
        public Leaf expired() {
            Instant now = Instant.now();
            return new Leaf(commonName, uris, dnsNames, ips, now.minus(Duration.ofHours(2)), now.minusSeconds(60));
        }

        public Leaf withDnsNames(List<String> names) {
            return new Leaf(commonName, uris, names, ips, notBefore, notAfter);
        }
    }

    /** An issued certificate and its key, as PEM text. */
    public record Issued(String certPem, String keyPem, String caPem) {
        /** Writes {@code tls.crt}, {@code tls.key} and {@code ca.crt} under {@code dir}; returns the files. */
        public TlsFiles writeTo(Path dir) {
            try {
                Files.createDirectories(dir);
                Path cert = dir.resolve("tls.crt");
                Path key = dir.resolve("tls.key");
                Path ca = dir.resolve("ca.crt");
                Files.writeString(cert, certPem, StandardCharsets.US_ASCII);
                Files.writeString(key, keyPem, StandardCharsets.US_ASCII);
                Files.writeString(ca, caPem, StandardCharsets.US_ASCII);
                return new TlsFiles(cert, key, ca);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** The same certificate trusting {@code extraCaPem} too (a CA bundle during a rotation). */
        public Issued trusting(String extraCaPem) {
            return new Issued(certPem, keyPem, caPem + extraCaPem);
        }
    }

    public Issued issue(Leaf leaf) {
        try {
            KeyPair leafKeys = ecKeys();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    new X500Name("CN=" + name),
                    serial(),
                    Date.from(leaf.notBefore()),
                    Date.from(leaf.notAfter()),
                    new X500Name("CN=" + leaf.commonName()),
                    leafKeys.getPublic());
            List<GeneralName> sans = new ArrayList<>();
            leaf.uris().forEach(u -> sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, u)));
            leaf.dnsNames().forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
            for (String ip : leaf.ips()) {
                sans.add(new GeneralName(
                        GeneralName.iPAddress, InetAddress.getByName(ip).getHostAddress()));
            }
            if (!sans.isEmpty()) {
                b.addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
            }));
            X509Certificate leafCert = sign(b, keys.getPrivate());
            return new Issued(pem(leafCert), pem(leafKeys.getPrivate()), caPem());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String caPem() {
        return pem(cert);
    }

    public X509Certificate certificate() {
        return cert;
    }

    private static KeyPair ecKeys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) throws Exception {
        ContentSigner s = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
        return new JcaX509CertificateConverter().getCertificate(b.build(s));
    }

    private static String pem(Object o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            if (o instanceof PrivateKey k) {
                p.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null));
            } else {
                p.writeObject(o);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return w.toString();
    }
}
