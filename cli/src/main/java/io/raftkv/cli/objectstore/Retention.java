package io.raftkv.cli.objectstore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Retention of a series of backups — the {@code .snap} files or objects in one folder whose name
 * starts with a given prefix (a schedule's name): newest first, the first {@code keepLast} stay,
 * and of those any older than {@code keepWithin} go too, except the newest, which always stays.
 * A deleted backup's {@code .sha256} goes with it.
 */
public final class Retention {

    private Retention() {}

    /** A backup of the series: its name (file name or key) and when it was written. */
    public record Item(String name, Instant time) {}

    /** Which items to delete (names), given the rule. */
    public static List<String> toDelete(List<Item> items, int keepLast, Duration keepWithin, Instant now) {
        if (keepLast < 1) {
            throw new IllegalArgumentException("keep-last must be at least 1");
        }
        List<Item> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparing(Item::time).thenComparing(Item::name).reversed());
        List<String> delete = new ArrayList<>();
        for (int i = 1; i < sorted.size(); i++) {
            Item it = sorted.get(i);
            boolean tooMany = i >= keepLast;
            boolean tooOld = keepWithin != null && it.time().isBefore(now.minus(keepWithin));
            if (tooMany || tooOld) {
                delete.add(it.name());
            }
        }
        return delete;
    }

    /** Prunes {@code <dir>/<prefix>*.snap}; returns the deleted file names. */
    public static List<String> pruneDirectory(Path dir, String prefix, int keepLast, Duration keepWithin, Instant now)
            throws IOException {
        List<Item> items = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith(prefix) && name.endsWith(".snap") && Files.isRegularFile(p)) {
                    items.add(new Item(name, Files.getLastModifiedTime(p).toInstant()));
                }
            }
        }
        List<String> delete = toDelete(items, keepLast, keepWithin, now);
        for (String name : delete) {
            Files.deleteIfExists(dir.resolve(name + ".sha256"));
            Files.deleteIfExists(dir.resolve(name));
        }
        return delete;
    }

    /** Prunes {@code s3://<bucket>/<folder><prefix>*.snap}; returns the deleted keys. */
    public static List<String> pruneBucket(
            S3Client s3, String bucket, String folder, String prefix, int keepLast, Duration keepWithin, Instant now) {
        List<Item> items = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(folder + prefix))
                .contents()) {
            String rest = o.key().substring(folder.length());
            if (o.key().endsWith(".snap") && !rest.contains("/")) {
                items.add(new Item(o.key(), o.lastModified()));
            }
        }
        List<String> delete = toDelete(items, keepLast, keepWithin, now);
        for (String key : delete) {
            s3.deleteObject(b -> b.bucket(bucket).key(key + ".sha256"));
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        }
        return delete;
    }
}
