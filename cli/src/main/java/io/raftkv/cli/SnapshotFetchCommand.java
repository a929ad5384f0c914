package io.raftkv.cli;

import io.raftkv.cli.objectstore.S3Errors;
import io.raftkv.cli.objectstore.S3Fetch;
import io.raftkv.cli.objectstore.S3Location;
import io.raftkv.cli.objectstore.S3Settings;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code raftkvctl snapshot fetch s3://BUCKET/KEY FILE}: copies a backup object into a local file,
 * streamed, checked against the SHA-256 stored beside it ({@code KEY.sha256}) and against
 * {@code --sha256} when given, written as {@code FILE.part} and renamed only once it matched. What
 * a restore from an object store runs first (the operator's {@code restore-fetch} init container),
 * so the node restores from a local, verified file. Exit codes: 3 (NOT_FOUND) when the object does
 * not exist, 10 (DATA_LOSS) on a checksum mismatch (nothing left behind), 11 (NOT_AUTHORIZED) when the
 * TLS handshake with an https store fails (its CA not trusted: {@code --s3-ca-file}), 1 on other failures.
 */
@Command(
        name = "fetch",
        mixinStandardHelpOptions = true,
        description = "Copies the backup object s3://BUCKET/KEY into FILE, verified against KEY.sha256 (and --sha256);"
                + " FILE appears only once verified.")
final class SnapshotFetchCommand implements Callable<Integer> {
    @ParentCommand
    SnapshotCommand parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URL", description = "s3://BUCKET/KEY")
    String source;

    @Parameters(index = "1", paramLabel = "FILE", description = "The local file to create (replaced if present).")
    Path file;

    @Option(
            names = "--sha256",
            paramLabel = "HEX",
            description = "The object's expected SHA-256 (e.g. the RaftKvBackup's status.sha256).")
    String sha256;

    @CommandLine.Mixin
    S3Options s3 = new S3Options();

    @Override
    public Integer call() throws Exception {
        if (!S3Location.isS3(source)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "URL must be s3://BUCKET/KEY, got " + source);
        }
        S3Location where = SnapshotCommand.parseS3(spec, source);
        Path target = file.toAbsolutePath();
        Path part = target.resolveSibling(target.getFileName() + ".part");
        java.io.PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        Files.createDirectories(target.getParent());
        Files.deleteIfExists(part);
        S3Fetch.Fetched fetched;
        S3Settings settings = s3.settings(parent.root.env());
        try (S3Client client = settings.client()) {
            fetched = S3Fetch.fetch(client, where, part);
        } catch (S3Fetch.NoSuchObject e) {
            err.println("raftkvctl: NOT_FOUND: " + e.getMessage());
            err.flush();
            return ExitCode.NOT_FOUND.code();
        } catch (S3Fetch.ChecksumMismatch e) {
            err.println("raftkvctl: DATA_LOSS: " + e.getMessage());
            err.flush();
            return ExitCode.DATA_LOSS.code();
        } catch (java.io.IOException | software.amazon.awssdk.core.exception.SdkException e) {
            Files.deleteIfExists(part);
            java.util.Optional<String> tls = S3Errors.tlsFailure(e, settings);
            if (tls.isPresent()) {
                err.println("raftkvctl: NOT_AUTHORIZED: cannot fetch " + source + ": " + tls.get());
                err.flush();
                return ExitCode.NOT_AUTHORIZED.code();
            }
            err.println("raftkvctl: cannot fetch " + source + ": " + e.getMessage());
            err.flush();
            return ExitCode.INTERNAL.code();
        }
        if (sha256 != null && !sha256.isBlank() && !sha256.equalsIgnoreCase(fetched.sha256())) {
            Files.deleteIfExists(part);
            err.println("raftkvctl: DATA_LOSS: " + source + " has SHA-256 " + fetched.sha256() + ", expected " + sha256
                    + " (--sha256): not the backup that was named, or damaged");
            err.flush();
            return ExitCode.DATA_LOSS.code();
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        long millis = (System.nanoTime() - start) / 1_000_000;
        Output o = parent.root.output();
        if (o.json()) {
            o.printJson(new JsonObject()
                    .put("location", source)
                    .put("file", target.toString())
                    .put("bytes", fetched.bytes())
                    .put("sha256", fetched.sha256())
                    .put("checksumVerified", fetched.checksumVerified() || sha256 != null)
                    .put("millis", millis));
        } else {
            o.println("fetched " + source + " (" + fetched.bytes() + " bytes, sha256 " + fetched.sha256()
                    + (fetched.checksumVerified() ? ", matches " + where.checksum() : "") + ") to " + target + " in "
                    + millis + " ms");
        }
        return ExitCode.OK.code();
    }
}
