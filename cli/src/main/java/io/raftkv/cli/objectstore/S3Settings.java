package io.raftkv.cli.objectstore;

import java.net.URI;
import java.util.Map;
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
 * @param endpoint null for AWS S3 of the region
 * @param partBytes size of each uploaded part (≥ 5 MiB, S3's minimum for all but the last)
 */
public record S3Settings(URI endpoint, String region, boolean pathStyle, int partBytes, Map<String, String> env) {

    public static final int MIN_PART_BYTES = 5 * 1024 * 1024;

    public S3Settings {
        if (partBytes < MIN_PART_BYTES) {
            throw new IllegalArgumentException("part size must be at least 5 MiB (S3's minimum), got " + partBytes);
        }
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
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(java.time.Duration.ofSeconds(10))
                        .socketTimeout(java.time.Duration.ofSeconds(60)));
        if (endpoint != null) {
            b.endpointOverride(endpoint);
        }
        return b.build();
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
