package io.raftkv.cli.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Fetches a backup object into a local file, streamed (a buffer at a time), and checks it against
 * the SHA-256 stored beside it ({@code <key>.sha256}) when there is one. The snapshot's own
 * checksums are verified afterwards by whoever reads the file (restore, status).
 */
public final class S3Fetch {

    private S3Fetch() {}

    /** Thrown when the object does not match its stored SHA-256. */
    public static final class ChecksumMismatch extends IOException {
        public ChecksumMismatch(String message) {
            super(message);
        }
    }

    /** Thrown when the object does not exist. */
    public static final class NoSuchObject extends IOException {
        public NoSuchObject(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What was fetched: the file, its size, SHA-256, and whether a stored checksum vouched for it. */
    public record Fetched(Path file, long bytes, String sha256, boolean checksumVerified) {}

    public static Fetched fetch(S3Client s3, S3Location from, Path file) throws IOException {
        Optional<String> expected = storedSha256(s3, from);
        MessageDigest sha = sha256();
        long bytes;
        try (InputStream in = new DigestInputStream(
                        s3.getObject(b -> b.bucket(from.bucket()).key(from.key())), sha);
                OutputStream out =
                        Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            bytes = in.transferTo(out);
        } catch (NoSuchKeyException e) {
            Files.deleteIfExists(file);
            throw new NoSuchObject("no object " + from, e);
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        if (expected.isPresent() && !expected.get().equalsIgnoreCase(actual)) {
            Files.deleteIfExists(file);
            throw new ChecksumMismatch(from + " has SHA-256 " + actual + " but " + from.checksum() + " says "
                    + expected.get() + ": the object is damaged or was replaced");
        }
        return new Fetched(file, bytes, actual, expected.isPresent());
    }

    private static Optional<String> storedSha256(S3Client s3, S3Location from) {
        try {
            String text = s3.getObjectAsBytes(
                            b -> b.bucket(from.bucket()).key(from.checksum().key()))
                    .asString(StandardCharsets.UTF_8)
                    .trim();
            int space = text.indexOf(' ');
            return Optional.of(space < 0 ? text : text.substring(0, space));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
