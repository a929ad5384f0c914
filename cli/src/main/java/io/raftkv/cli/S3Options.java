package io.raftkv.cli;

import io.raftkv.cli.objectstore.S3Settings;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How {@code snapshot save/status/restore} reach an S3-compatible store when FILE is
 * {@code s3://bucket/key}; credentials come from {@code AWS_ACCESS_KEY_ID} and
 * {@code AWS_SECRET_ACCESS_KEY} (else the SDK's default chain); an https endpoint with a private CA
 * needs {@code --s3-ca-file} (or {@code AWS_CA_BUNDLE}, as for the AWS CLI).
 */
final class S3Options {
    @Option(
            names = "--s3-endpoint",
            paramLabel = "URL",
            description = "Endpoint of an S3-compatible store, e.g. http://minio:9000 (default: env"
                    + " AWS_ENDPOINT_URL, else AWS S3 of the region).")
    String endpoint;

    @Option(
            names = "--s3-region",
            paramLabel = "REGION",
            description = "Region to sign for (default: env AWS_REGION, else us-east-1).")
    String region;

    @Option(
            names = "--s3-path-style",
            paramLabel = "BOOL",
            defaultValue = "true",
            arity = "1",
            description = "Path-style URLs <endpoint>/<bucket>/<key> (default ${DEFAULT-VALUE}); false for"
                    + " virtual-hosted style.")
    boolean pathStyle;

    @Option(
            names = "--s3-part-size-mib",
            paramLabel = "MIB",
            defaultValue = "16",
            description = "Size of each uploaded part in MiB, at least 5 (default ${DEFAULT-VALUE}); memory"
                    + " used is about three parts.")
    int partMib;

    @Option(
            names = "--s3-ca-file",
            paramLabel = "PEM",
            description = "CA certificates (PEM) to trust for an https endpoint instead of the JVM's defaults,"
                    + " e.g. a private CA (default: env AWS_CA_BUNDLE).")
    Path caFile;

    S3Settings settings(Map<String, String> env) {
        String url = endpoint != null ? endpoint : env.get("AWS_ENDPOINT_URL");
        String r = region != null ? region : env.getOrDefault("AWS_REGION", "us-east-1");
        String bundle = env.get("AWS_CA_BUNDLE");
        Path ca = caFile != null ? caFile : bundle != null && !bundle.isBlank() ? Path.of(bundle) : null;
        return new S3Settings(url == null ? null : URI.create(url), r, pathStyle, partMib * 1024 * 1024, env, ca);
    }
}
