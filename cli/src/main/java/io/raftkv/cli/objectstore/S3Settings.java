package io.raftkv.cli.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Map;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * How to reach an S3-compatible store. Credentials come from the environment
 * ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}; in Kubernetes from the target's
 * Secret), else from the SDK's default chain (profile, instance role).
 *
 * <p>The SDK's default "flexible checksums" (a CRC trailer on every upload) are asked for only
 * where the S3 API requires them: many S3-compatible stores refuse the aws-chunked trailer
 * encoding, and some store aws-chunked framing as data. Integrity is kept by a Content-MD5 on every part (checked by the store) and the
 * SHA-256 of the whole, stored beside the object and checked on every fetch.
 *
 * <p>An https endpoint is trusted through the JVM's default CAs, or, with {@code caBundle}, through
 * the certificates of that PEM file only (a private CA of an in-house store); a store whose
 * certificate that bundle does not vouch for fails the TLS handshake ({@link S3Errors#tlsFailure}).
 *
 * @param endpoint null for AWS S3 of the region
 * @param partBytes size of each uploaded part (≥ 5 MiB, S3's minimum for all but the last)
 * @param caBundle PEM file of the CA certificates to trust for https, or null for the JVM's defaults
 */
public record S3Settings(
        URI endpoint, String region, boolean pathStyle, int partBytes, Map<String, String> env, Path caBundle) {

    public static final int MIN_PART_BYTES = 5 * 1024 * 1024;

    public S3Settings {
        if (partBytes < MIN_PART_BYTES) {
            throw new IllegalArgumentException("part size must be at least 5 MiB (S3's minimum), got " + partBytes);
        }
    }

    /** Trusting the JVM's default CAs. */
    public S3Settings(URI endpoint, String region, boolean pathStyle, int partBytes, Map<String, String> env) {
        this(endpoint, region, pathStyle, partBytes, env, null);
    }

    public S3Client client() {
        var b = S3Client.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials())
                .forcePathStyle(pathStyle)
                // plain Content-Length bodies: some S3-compatible stores keep aws-chunked framing
                // (chunk signatures) as part of the object's data
                .serviceConfiguration(
                        S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(http());
        if (endpoint != null) {
            b.endpointOverride(endpoint);
        }
        return b.build();
    }

    private UrlConnectionHttpClient.Builder http() {
        UrlConnectionHttpClient.Builder http = UrlConnectionHttpClient.builder()
                .connectionTimeout(java.time.Duration.ofSeconds(10))
                .socketTimeout(java.time.Duration.ofSeconds(60));
        if (caBundle != null) {
            TrustManager[] trust = trustManagers(caBundle);
            http.tlsTrustManagersProvider(() -> trust);
        }
        return http;
    }

    /**
     * Trust managers that trust exactly the certificates of the PEM file {@code bundle}.
     *
     * @throws IllegalArgumentException when the file cannot be read or holds no certificate
     */
    static TrustManager[] trustManagers(Path bundle) {
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(bundle)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("cannot read the CA bundle " + bundle + ": " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException("the CA bundle " + bundle + " holds no PEM certificate");
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            return f.getTrustManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust store from " + bundle + ": " + e, e);
        }
    }

    private AwsCredentialsProvider credentials() {
        String id = env.get("AWS_ACCESS_KEY_ID");
        String secret = env.get("AWS_SECRET_ACCESS_KEY");
        if (id != null && secret != null) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret));
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
