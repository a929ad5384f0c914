package io.raftkv.operator.security;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * PEM text of certificates and keys (BouncyCastle's parser and writer). Keys are written as
 * PKCS#8 ({@code PRIVATE KEY}), which the node, grpc-java and openssl all read.
 */
public final class Pem {

    private Pem() {}

    /** One certificate as PEM. */
    public static String of(X509Certificate cert) {
        return write(cert);
    }

    /** A private key as PKCS#8 PEM. */
    public static String of(PrivateKey key) {
        try {
            return write(new JcaPKCS8Generator(key, null).generate());
        } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new IllegalStateException("cannot encode a " + key.getAlgorithm() + " key", e);
        }
    }

    private static String write(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * Every certificate in {@code pem}, in order.
     *
     * @throws CertificateException when the text holds no certificate or a damaged one
     */
    public static List<X509Certificate> certificates(String pem) throws CertificateException {
        List<X509Certificate> certs = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(pem == null ? "" : pem))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder holder) {
                    certs.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new CertificateException("not PEM certificates: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new CertificateException("no certificate in the PEM text");
        }
        return certs;
    }

    /**
     * The private key in {@code pem} (PKCS#8, or a traditional EC/RSA key pair).
     *
     * @throws CertificateException when the text holds no key
     */
    public static PrivateKey privateKey(String pem) throws CertificateException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser parser = new PEMParser(new StringReader(pem == null ? "" : pem))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new CertificateException("not a PEM private key: " + e.getMessage(), e);
        }
        throw new CertificateException("no private key in the PEM text");
    }
}
