package io.raftkv.cli.objectstore;

/** An object {@code s3://<bucket>/<key>}. */
public record S3Location(String bucket, String key) {

    public static final String SCHEME = "s3://";

    public static boolean isS3(String text) {
        return text != null && text.startsWith(SCHEME);
    }

    /** Parses {@code s3://bucket/key}; the key must not be empty nor end with '/'. */
    public static S3Location parse(String text) {
        if (!isS3(text)) {
            throw new IllegalArgumentException("not an s3:// URL: " + text);
        }
        String rest = text.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1 || rest.endsWith("/")) {
            throw new IllegalArgumentException("expected s3://<bucket>/<key> (an object, not a folder): " + text);
        }
        return new S3Location(rest.substring(0, slash), rest.substring(slash + 1));
    }

    /** The key of the checksum object beside it: {@code <key>.sha256}. */
    public S3Location checksum() {
        return new S3Location(bucket, key + ".sha256");
    }

    /** The "folder" part of the key, with its trailing '/' (empty at the bucket's root). */
    public String folder() {
        int slash = key.lastIndexOf('/');
        return slash < 0 ? "" : key.substring(0, slash + 1);
    }

    @Override
    public String toString() {
        return SCHEME + bucket + "/" + key;
    }
}
