package io.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.fake.FakeCluster;
import io.raftkv.cli.objectstore.Retention;
import io.raftkv.cli.objectstore.S3Settings;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.testkit.S3rver;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Backups to and from a real S3-protocol server (s3rver from npm, {@link S3rver}): a real snapshot
 * file (~12 MiB, written by the node's storage) is served over gRPC by the in-process fake node,
 * streamed by {@code raftkvctl snapshot save s3://…} into a multipart upload of 5 MiB parts, then
 * fetched back by {@code snapshot status} and {@code snapshot restore s3://…}: the restored state
 * hash equals the original file's. A damaged object is refused (DATA_LOSS), a failed download
 * leaves no object (the upload is aborted), and retention keeps the newest of a series.
 */
class S3BackupTest {
    private static final String BUCKET = "backups";
    /** Where {@code npm ci} installs s3rver for this module's tests (kept between runs). */
    static final Path INSTALL = Path.of("target/s3rver");

    @TempDir
    static Path tmp;

    private static S3rver s3rver;
    private static FakeCluster cluster;
    private static S3Client s3;
    private static Path snapshot;
    private static String snapshotSha256;
    private static String snapshotStateHash;

    @BeforeAll
    static void start() throws Exception {
        s3rver = S3rver.start(INSTALL, tmp.resolve("s3rver"), BUCKET);
        snapshot = tmp.resolve("source.snap");
        long seed = System.nanoTime();
        System.out.println("S3BackupTest value seed " + seed);
        Random random = new Random(seed);
        SnapshotMetadata meta = TestSnapshots.write(tmp.resolve("storage"), snapshot, 300, i -> {
            byte[] v = new byte[40 * 1024];
            random.nextBytes(v);
            return v;
        });
        snapshotSha256 =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(snapshot)));
        cluster = FakeCluster.start(3);
        for (int i = 1; i <= 3; i++) {
            cluster.node(i).serveSnapshotFile(snapshot, meta.index(), meta.term(), 256 * 1024);
        }
        snapshotStateHash = ctl("-o", "json", "snapshot", "status", snapshot.toString())
                .json()
                .getString("stateHash");
        s3 = new S3Settings(s3rver.endpoint(), "us-east-1", true, S3Settings.MIN_PART_BYTES, S3rver.CREDENTIALS)
                .client();
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (s3rver != null) {
            s3rver.close();
        }
    }

    record Result(int exit, String out, String err) {
        JsonObject json() {
            return new JsonObject(out);
        }
    }

    private static Result ctl(String... args) {
        List<String> all = new ArrayList<>();
        if (cluster != null) {
            all.addAll(List.of("--endpoints", cluster.endpoints()));
        }
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = RaftKvCtl.run(
                all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err), S3rver.CREDENTIALS);
        return new Result(code, out.toString(), err.toString());
    }

    private static Result save(String url, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "-o",
                "json",
                "snapshot",
                "save",
                url,
                "--s3-endpoint",
                s3rver.endpoint().toString(),
                "--s3-part-size-mib",
                "5"));
        args.addAll(List.of(more));
        return ctl(args.toArray(String[]::new));
    }

    private static List<String> keys(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key)
                .sorted()
                .toList();
    }

    @Test
    void backupToS3ThenRestoreFromTheObjectGivesTheSameStateHash() throws Exception {
        Path result = tmp.resolve("termination-log");
        Result saved = save("s3://backups/prod/full.snap", "--result-file", result.toString());
        assertThat(saved.exit()).as(saved.err()).isZero();
        JsonObject j = saved.json();
        assertThat(j.getLong("bytes")).isEqualTo(Files.size(snapshot)).isGreaterThan(10L * 1024 * 1024);
        assertThat(j.getString("sha256")).isEqualTo(snapshotSha256);
        assertThat(j.getString("location")).isEqualTo("s3://backups/prod/full.snap");
        assertThat(new JsonObject(Files.readString(result)).getString("sha256")).isEqualTo(snapshotSha256);
        assertThat(keys("prod/")).containsExactly("prod/full.snap", "prod/full.snap.sha256");
        assertThat(s3.headObject(b -> b.bucket(BUCKET).key("prod/full.snap")).contentLength())
                .as("the stored object is the snapshot, byte for byte: no part twice, no framing")
                .isEqualTo(Files.size(snapshot));
        try (var stored = Files.walk(s3rver.dataDir().resolve(BUCKET))) {
            assertThat(stored.filter(f -> f.toString().endsWith("/full.snap._S3rver_object"))
                            .mapToLong(f -> f.toFile().length())
                            .boxed()
                            .toList())
                    .as("s3rver's file of the object on disk")
                    .containsExactly(Files.size(snapshot));
        }
        long part = S3Settings.MIN_PART_BYTES;
        assertThat(j.getInteger("parts"))
                .as("streamed as a multipart upload of 5 MiB parts")
                .isEqualTo((int) ((Files.size(snapshot) + part - 1) / part))
                .isGreaterThanOrEqualTo(3);
        assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("prod/full.snap.sha256"))
                        .asUtf8String())
                .isEqualTo(snapshotSha256 + "  full.snap\n");

        Result status = ctl(
                "-o",
                "json",
                "snapshot",
                "status",
                "s3://backups/prod/full.snap",
                "--s3-endpoint",
                s3rver.endpoint().toString(),
                "--scratch-dir",
                tmp.resolve("scratch").toString());
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.json().getString("stateHash")).isEqualTo(snapshotStateHash);

        Path dataDir = tmp.resolve("restored");
        Result restored = ctl(
                "-o",
                "json",
                "snapshot",
                "restore",
                "s3://backups/prod/full.snap",
                "--s3-endpoint",
                s3rver.endpoint().toString(),
                "--data-dir",
                dataDir.toString(),
                "--member-id",
                "7");
        assertThat(restored.exit()).as(restored.err()).isZero();
        assertThat(restored.json().getString("sourceStateHash"))
                .as("the restored member's state, hashed with the source's configuration, is the backup's")
                .isEqualTo(snapshotStateHash);
        assertThat(restored.json().getLong("memberId")).isEqualTo(7L);
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("fetched-"));
        }
    }

    @Test
    void fetchWritesTheVerifiedObjectOrNothing() throws Exception {
        assertThat(save("s3://backups/fetch/a.snap").exit()).isZero();
        Path file = tmp.resolve("fetch/restore/backup.snap");
        String endpoint = s3rver.endpoint().toString();
        Result ok = ctl(
                "-o",
                "json",
                "snapshot",
                "fetch",
                "s3://backups/fetch/a.snap",
                file.toString(),
                "--sha256",
                snapshotSha256,
                "--s3-endpoint",
                endpoint);
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.json().getString("sha256")).isEqualTo(snapshotSha256);
        assertThat(ok.json().getBoolean("checksumVerified")).isTrue();
        assertThat(Files.readAllBytes(file)).isEqualTo(Files.readAllBytes(snapshot));

        Path other = tmp.resolve("fetch/other.snap");
        Result missing =
                ctl("snapshot", "fetch", "s3://backups/fetch/none.snap", other.toString(), "--s3-endpoint", endpoint);
        assertThat(missing.exit()).as(missing.err()).isEqualTo(ExitCode.NOT_FOUND.code());
        assertThat(missing.err()).contains("NOT_FOUND").contains("no object");
        Result wrong = ctl(
                "snapshot",
                "fetch",
                "s3://backups/fetch/a.snap",
                other.toString(),
                "--sha256",
                "0".repeat(64),
                "--s3-endpoint",
                endpoint);
        assertThat(wrong.exit()).as(wrong.err()).isEqualTo(ExitCode.DATA_LOSS.code());
        assertThat(other).doesNotExist();
        assertThat(other.resolveSibling("other.snap.part")).doesNotExist();
    }

    @Test
    void aDamagedObjectIsRefusedWithDataLoss() throws Exception {
        assertThat(save("s3://backups/damaged/x.snap").exit()).isZero();
        byte[] bytes = Files.readAllBytes(snapshot);
        bytes[bytes.length / 2] ^= 1;
        s3.putObject(b -> b.bucket(BUCKET).key("damaged/x.snap"), RequestBody.fromBytes(bytes));
        Path dataDir = tmp.resolve("not-restored");
        Result r = ctl(
                "snapshot",
                "restore",
                "s3://backups/damaged/x.snap",
                "--s3-endpoint",
                s3rver.endpoint().toString(),
                "--data-dir",
                dataDir.toString(),
                "--member-id",
                "8");
        assertThat(r.exit()).isEqualTo(ExitCode.DATA_LOSS.code());
        assertThat(r.err()).contains("SHA-256").contains("damaged or was replaced");
        assertThat(dataDir).doesNotExist();
    }

    @Test
    void aDownloadThatFailsItsChecksumLeavesNoObject() {
        for (int i = 1; i <= 3; i++) {
            cluster.node(i).corruptSnapshot(true);
        }
        try {
            Result r = save("s3://backups/failed/y.snap");
            assertThat(r.exit()).isEqualTo(ExitCode.DATA_LOSS.code());
            assertThat(r.err()).contains("CRC-32C mismatch");
        } finally {
            for (int i = 1; i <= 3; i++) {
                cluster.node(i).corruptSnapshot(false);
            }
        }
        assertThat(keys("failed/"))
                .as("the multipart upload was aborted, never completed")
                .isEmpty();
    }

    @Test
    void retentionKeepsTheNewestOfASeries() {
        for (int i = 1; i <= 4; i++) {
            Result r = save(
                    "s3://backups/sched/nightly-2026120" + i + "0000.snap",
                    "--prune-prefix",
                    "nightly-",
                    "--keep-last",
                    "2");
            assertThat(r.exit()).as(r.err()).isZero();
        }
        assertThat(keys("sched/"))
                .containsExactly(
                        "sched/nightly-202612030000.snap",
                        "sched/nightly-202612030000.snap.sha256",
                        "sched/nightly-202612040000.snap",
                        "sched/nightly-202612040000.snap.sha256");
    }

    @Test
    void retentionByAgeNeverDeletesTheNewest() {
        Instant now = Instant.parse("2026-12-07T12:00:00Z");
        List<Retention.Item> items = List.of(
                new Retention.Item("a", now.minus(Duration.ofDays(10))),
                new Retention.Item("b", now.minus(Duration.ofDays(3))),
                new Retention.Item("c", now.minus(Duration.ofHours(1))));
        assertThat(Retention.toDelete(items, 7, Duration.ofDays(7), now)).containsExactly("a");
        assertThat(Retention.toDelete(items, 1, null, now)).containsExactlyInAnyOrder("a", "b");
        assertThat(Retention.toDelete(items.subList(0, 1), 7, Duration.ofDays(1), now))
                .as("the only (newest) backup stays whatever its age")
                .isEmpty();
    }
}
