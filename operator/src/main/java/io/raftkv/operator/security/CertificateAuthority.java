package io.raftkv.operator.security;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority the operator keeps for one cluster: an ECDSA P-256 key and a
 * self-signed CA certificate (BouncyCastle builds the certificates; the JDK's providers make the
 * keys and signatures). It issues leaf certificates valid for both TLS server and client use:
 * the node presents one certificate on its client port, on its peer port and towards its peers.
 *
 * <p>Every certificate starts one hour in the past, so a node whose clock is a little behind
 * the operator's does not refuse a fresh certificate as "not yet valid".
 */
public record CertificateAuthority(X509Certificate certificate, PrivateKey key) {

    /** Tolerance for clocks that lag the operator's. */
    static final Duration BACKDATE = Duration.ofHours(1);

    private static final SecureRandom RANDOM = new SecureRandom();

    /** An issued certificate and its private key. */
    public record Issued(X509Certificate certificate, PrivateKey key) {
        public String certificatePem() {
            return Pem.of(certificate);
        }

        public String keyPem() {
            return Pem.of(key);
        }
    }

    /** A new CA named {@code commonName}, valid from now (less {@link #BACKDATE}) for {@code validity}. */
    public static CertificateAuthority create(String commonName, Instant now, Duration validity) {
        KeyPair keys = newKeys();
        X500Name subject = name(commonName, "raftkv");
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    subject,
                    serial(),
                    Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(validity)),
                    subject,
                    keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(
                    Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot create a CA certificate", e);
        }
    }

    /**
     * A leaf certificate for {@code commonName} with DNS SANs {@code dnsNames}, extended key
     * usage serverAuth and clientAuth.
     */
    public Issued issue(String commonName, List<String> dnsNames, Instant now, Duration validity) {
        KeyPair keys = newKeys();
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
            notAfter = certificate.getNotAfter().toInstant(); // never outlive the issuer
        }
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    certificate,
                    serial(),
                    Date.from(now.minus(BACKDATE)),
                    Date.from(notAfter),
                    name(commonName, null),
                    keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            if (!dnsNames.isEmpty()) {
                builder.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(dnsNames.stream()
                                .map(d -> new GeneralName(GeneralName.dNSName, d))
                                .toArray(GeneralName[]::new)));
            }
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
            }));
            builder.addExtension(
                    Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
            return new Issued(sign(builder, key), keys.getPrivate());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
        }
    }

    /** Whether {@code leaf} carries this CA's signature. */
    public boolean signed(X509Certificate leaf) {
        return signedBy(leaf, certificate.getPublicKey());
    }

    static boolean signedBy(X509Certificate leaf, PublicKey issuer) {
        try {
            leaf.verify(issuer);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * The CA in PEM text: its certificate and key must belong together and the certificate must
     * be a CA.
     */
    public static CertificateAuthority parse(String certificatePem, String keyPem) throws CertificateException {
        X509Certificate cert = Pem.certificates(certificatePem).get(0);
        PrivateKey key = Pem.privateKey(keyPem);
        if (cert.getBasicConstraints() < 0) {
            throw new CertificateException(
                    "the certificate " + cert.getSubjectX500Principal() + " is not a CA certificate");
        }
        CertificateAuthority ca = new CertificateAuthority(cert, key);
        // the key belongs to the certificate when a certificate it signs verifies with its key
        Issued probe = ca.issue("key-check", List.of(), Instant.now(), Duration.ofMinutes(1));
        if (!ca.signed(probe.certificate())) {
            throw new CertificateException("ca.key does not belong to ca.crt");
        }
        return ca;
    }

    private static X500Name name(String commonName, String organization) {
        X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
        if (organization != null) {
            b.addRDN(BCStyle.O, organization);
        }
        b.addRDN(BCStyle.CN, commonName);
        return b.build();
    }

    private static KeyPair newKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 key generator", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws CertificateException {
        try {
            ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
            return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
        } catch (OperatorCreationException e) {
            throw new CertificateException("cannot sign", e);
        }
    }
}
