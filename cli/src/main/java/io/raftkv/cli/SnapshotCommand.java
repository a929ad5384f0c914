package io.raftkv.cli;

import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.SnapshotInfo;
import io.raftkv.cli.objectstore.Retention;
import io.raftkv.cli.objectstore.S3Errors;
import io.raftkv.cli.objectstore.S3Fetch;
import io.raftkv.cli.objectstore.S3Location;
import io.raftkv.cli.objectstore.S3MultipartSink;
import io.raftkv.cli.objectstore.S3Settings;
import io.raftkv.node.storage.SnapshotRestore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import software.amazon.awssdk.services.s3.S3Client;

@Command(
        name = "snapshot",
        mixinStandardHelpOptions = true,
        description = "Backups.",
        subcommands = {
            SnapshotCommand.Save.class,
            SnapshotCommand.Status.class,
            SnapshotCommand.Restore.class,
            SnapshotFetchCommand.class
        })
final class SnapshotCommand implements Runnable {
    @ParentCommand
    RaftKvCtl root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "snapshot needs a subcommand: save, status, restore or fetch");
    }

    @Command(
            name = "save",
            mixinStandardHelpOptions = true,
            description = {
                "Downloads a consistent backup into FILE (verified, written atomically) or streams it into an"
                        + " S3-compatible store when FILE is s3://BUCKET/KEY (multipart upload completed only once"
                        + " verified; its SHA-256 stored beside it as KEY.sha256).",
                "With --prune-prefix, backups of the same series (same folder, name starting with the prefix)"
                        + " beyond --keep-last or older than --keep-within are deleted after a successful save."
            })
    static final class Save implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "A file path, or s3://BUCKET/KEY.")
        String target;

        @Option(
                names = "--from-endpoint",
                paramLabel = "HOST:PORT",
                description = "Node to download from; default: the most up-to-date follower among the"
                        + " endpoints (the leader keeps its disk and CPU for writes), else the first endpoint"
                        + " that answers Status, else the first endpoint.")
        String from;

        @Option(
                names = "--snapshot-timeout",
                paramLabel = "DURATION",
                defaultValue = "30m",
                converter = RaftKvCtl.DurationConverter.class,
                description = "Deadline of the whole download (default ${DEFAULT-VALUE}).")
        Duration snapshotTimeout;

        @CommandLine.Mixin
        S3Options s3 = new S3Options();

        @Option(
                names = "--checksum-file",
                description = "For a file: also write FILE.sha256 (sha256sum format), as an S3 save always does.")
        boolean checksumFile;

        @Option(
                names = "--result-file",
                paramLabel = "PATH",
                description = "Also write the result as JSON to PATH (e.g. a Kubernetes termination message).")
        Path resultFile;

        @Option(
                names = "--prune-prefix",
                paramLabel = "NAME",
                description = "After success, apply retention to the backups in FILE's folder whose name starts"
                        + " with NAME and ends in .snap.")
        String prunePrefix;

        @Option(
                names = "--keep-last",
                paramLabel = "N",
                defaultValue = "7",
                description = "With --prune-prefix: keep the N newest (default ${DEFAULT-VALUE}).")
        int keepLast;

        @Option(
                names = "--keep-within",
                paramLabel = "DURATION",
                converter = RaftKvCtl.DurationConverter.class,
                description = "With --prune-prefix: also delete backups older than this (the newest always stays).")
        Duration keepWithin;

        @Override
        public Integer call() throws Exception {
            RaftKvCtl root = parent.root;
            if (keepLast < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--keep-last must be at least 1");
            }
            Endpoint source = from != null ? Endpoint.parse(from) : chooseSource(root);
            long start = System.nanoTime();
            boolean toS3 = S3Location.isS3(target);
            SnapshotInfo info;
            List<String> pruned = List.of();
            int parts = 0;
            if (toS3) {
                S3Location where = parseS3(spec, target);
                S3Settings settings = s3.settings(root.env());
                try (S3Client client = settings.client()) {
                    S3MultipartSink sink =
                            new S3MultipartSink(root.client().vertx(), client, where, settings.partBytes());
                    info = root.client().blocking().downloadSnapshot(source, sink, snapshotTimeout);
                    parts = sink.partsUploaded();
                    if (prunePrefix != null) {
                        pruned = Retention.pruneBucket(
                                client,
                                where.bucket(),
                                where.folder(),
                                prunePrefix,
                                keepLast,
                                keepWithin,
                                java.time.Instant.now());
                    }
                } catch (RuntimeException e) {
                    java.util.Optional<String> tls = S3Errors.tlsFailure(e, settings);
                    if (tls.isEmpty()) {
                        throw e;
                    }
                    spec.commandLine()
                            .getErr()
                            .println("raftkvctl: NOT_AUTHORIZED: cannot upload to " + target + ": " + tls.get());
                    spec.commandLine().getErr().flush();
                    return ExitCode.NOT_AUTHORIZED.code();
                }
            } else {
                Path file = Path.of(target).toAbsolutePath();
                java.nio.file.Files.createDirectories(file.getParent());
                info = root.client().blocking().downloadSnapshot(source, file, snapshotTimeout);
                if (checksumFile) {
                    Path sum = info.file().resolveSibling(info.file().getFileName() + ".sha256");
                    java.nio.file.Files.writeString(
                            sum, info.sha256() + "  " + info.file().getFileName() + "\n");
                }
                if (prunePrefix != null) {
                    pruned = Retention.pruneDirectory(
                            info.file().getParent(), prunePrefix, keepLast, keepWithin, java.time.Instant.now());
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            JsonArray members = new JsonArray();
            info.metadata().getMembersList().forEach(m -> members.add(Output.memberJson(m)));
            JsonObject json = new JsonObject()
                    .put("location", info.location())
                    .put("bytes", info.bytes())
                    .put("crc32c", String.format("%08x", info.crc32c()))
                    .put("sha256", info.sha256())
                    .put("index", info.metadata().getIndex())
                    .put("term", info.metadata().getTerm())
                    .put("revision", info.metadata().getHeader().getRevision())
                    .put("format", info.metadata().getFormat())
                    .put("source", info.source().toString())
                    .put("millis", millis)
                    .put("pruned", new JsonArray(pruned));
            if (info.file() != null) {
                json.put("file", info.file().toString());
            } else {
                json.put("parts", parts);
            }
            if (resultFile != null) {
                java.nio.file.Files.writeString(resultFile, json.encode());
            }
            Output o = root.output();
            if (o.json()) {
                o.printJson(json.put("members", members));
            } else {
                o.println("saved " + info.bytes() + " bytes (index "
                        + info.metadata().getIndex() + ", term "
                        + info.metadata().getTerm() + ", format "
                        + info.metadata().getFormat() + ", crc32c "
                        + String.format("%08x", info.crc32c()) + ", sha256 " + info.sha256() + ") from "
                        + info.source() + " to " + info.location() + " in " + millis + " ms");
                for (String p : pruned) {
                    o.println("pruned " + p);
                }
            }
            return ExitCode.OK.code();
        }
    }

    static S3Location parseS3(CommandLine.Model.CommandSpec spec, String text) {
        try {
            return S3Location.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * Runs {@code action} on a local file: FILE itself, or for s3://BUCKET/KEY the object fetched
     * into {@code scratch} (checked against KEY.sha256) and deleted afterwards.
     */
    static int withLocalFile(
            RaftKvCtl root,
            CommandLine.Model.CommandSpec spec,
            String file,
            S3Options s3,
            Path scratch,
            java.util.function.Function<Path, Integer> action)
            throws Exception {
        if (!S3Location.isS3(file)) {
            return action.apply(Path.of(file));
        }
        S3Location where = parseS3(spec, file);
        java.nio.file.Files.createDirectories(scratch);
        Path local = java.nio.file.Files.createTempFile(scratch, "fetched-", ".snap");
        java.nio.file.Files.delete(local);
        S3Settings settings = s3.settings(root.env());
        try (S3Client client = settings.client()) {
            try {
                S3Fetch.fetch(client, where, local);
            } catch (software.amazon.awssdk.core.exception.SdkException e) {
                java.util.Optional<String> tls = S3Errors.tlsFailure(e, settings);
                if (tls.isEmpty()) {
                    throw e;
                }
                root.err().println("raftkvctl: NOT_AUTHORIZED: cannot fetch " + file + ": " + tls.get());
                root.err().flush();
                return ExitCode.NOT_AUTHORIZED.code();
            }
            return action.apply(local);
        } finally {
            java.nio.file.Files.deleteIfExists(local);
        }
    }

    /**
     * The follower (a voter, not the leader, not named by the CORRUPT alarm) with the highest applied
     * index among the endpoints;
     * else the first endpoint that answers; else the first endpoint. One Status per endpoint, in
     * parallel, within the client's deadline.
     */
    static Endpoint chooseSource(RaftKvCtl root) {
        java.util.List<Endpoint> endpoints = root.endpointList();
        io.raftkv.api.client.RaftKvClient c = root.client();
        java.util.List<io.vertx.core.Future<io.raftkv.api.v1.StatusResponse>> calls = new java.util.ArrayList<>();
        for (Endpoint e : endpoints) {
            calls.add(c.status(e, io.raftkv.api.v1.StatusRequest.getDefaultInstance()));
        }
        io.vertx.core.Future.join(calls)
                .otherwiseEmpty()
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        Endpoint best = null;
        long bestApplied = -1;
        Endpoint firstAnswering = null;
        for (int i = 0; i < endpoints.size(); i++) {
            if (!calls.get(i).succeeded()) {
                continue;
            }
            io.raftkv.api.v1.StatusResponse s = calls.get(i).result();
            firstAnswering = firstAnswering == null ? endpoints.get(i) : firstAnswering;
            if (eligibleFollower(s) && s.getAppliedIndex() > bestApplied) {
                best = endpoints.get(i);
                bestApplied = s.getAppliedIndex();
            }
        }
        return best != null ? best : firstAnswering != null ? firstAnswering : endpoints.get(0);
    }

    /**
     * A voting follower that the CORRUPT alarm does not name (such a member refuses snapshot
     * downloads: its state differs from the others').
     */
    static boolean eligibleFollower(io.raftkv.api.v1.StatusResponse s) {
        return s.getRole() == io.raftkv.api.v1.Role.FOLLOWER
                && !s.getLearner()
                && s.getAlarmsList().stream()
                        .noneMatch(
                                a -> a.getType() == io.raftkv.api.v1.AlarmType.CORRUPT && a.getMemberId() == s.getId());
    }

    /** Runs an offline snapshot operation, mapping its failures to exit codes. */
    private static int offline(java.io.PrintWriter err, java.util.concurrent.Callable<Integer> action)
            throws Exception {
        try {
            return action.call();
        } catch (SnapshotRestore.InvalidSnapshotException | S3Fetch.ChecksumMismatch e) {
            err.println("raftkvctl: DATA_LOSS: " + e.getMessage());
            err.flush();
            return ExitCode.DATA_LOSS.code();
        } catch (UncheckedOffline e) {
            return offline(err, () -> {
                throw e.getCause();
            });
        } catch (java.io.IOException
                | java.io.UncheckedIOException
                | software.amazon.awssdk.core.exception.SdkException e) {
            err.println("raftkvctl: " + e.getMessage());
            err.flush();
            return ExitCode.INTERNAL.code();
        }
    }

    /** Carries a checked exception out of a {@link java.util.function.Function}. */
    static final class UncheckedOffline extends RuntimeException {
        UncheckedOffline(Exception cause) {
            super(cause);
        }

        @Override
        public synchronized Exception getCause() {
            return (Exception) super.getCause();
        }
    }

    private static JsonObject infoJson(SnapshotRestore.SnapshotFileInfo info) {
        return new JsonObject()
                .put("index", info.metadata().index())
                .put("term", info.metadata().term())
                .put(
                        "members",
                        new JsonArray(info.metadata().confState().voters().stream()
                                .sorted()
                                .toList()))
                .put(
                        "learners",
                        new JsonArray(info.metadata().confState().learners().stream()
                                .sorted()
                                .toList()))
                .put("bytes", info.bytes())
                .put("crc32c", String.format("%08x", info.crc32c()))
                .put("sha256", info.sha256())
                .put("files", info.files())
                .put("stateHash", Long.toHexString(info.stateHash().hash()));
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "Verifies a snapshot FILE offline"
                    + " (every checksum) and prints its index, term, members, size, checksums and state hash.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "A file path, or s3://BUCKET/KEY (fetched, then checked).")
        String target;

        @Option(
                names = "--scratch-dir",
                paramLabel = "DIR",
                description = "Where the snapshot is fetched to and unpacked to"
                        + " compute its state hash (removed afterwards; default: beside FILE, or the"
                        + " temporary directory for s3://).")
        Path scratch;

        @CommandLine.Mixin
        S3Options s3 = new S3Options();

        @Override
        public Integer call() throws Exception {
            Path dir = scratch != null
                    ? scratch
                    : S3Location.isS3(target)
                            ? Path.of(System.getProperty("java.io.tmpdir"))
                            : Path.of(target).toAbsolutePath().getParent();
            return offline(
                    spec.commandLine().getErr(),
                    () -> withLocalFile(
                            parent.root, spec, target, s3, dir, file -> unchecked(() -> status(file, dir))));
        }

        private int status(Path file, Path where) throws Exception {
            Output o = parent.root.output();
            {
                SnapshotRestore.SnapshotFileInfo info = SnapshotRestore.inspect(file, where);
                if (o.json()) {
                    o.printJson(infoJson(info).put("file", target));
                } else {
                    o.println(target + ": valid RaftKV snapshot, " + info.bytes() + " bytes, index "
                            + info.metadata().index() + ", term "
                            + info.metadata().term() + ", members "
                            + info.metadata().confState().voters().stream()
                                    .sorted()
                                    .toList() + ", state hash "
                            + Long.toHexString(info.stateHash().hash()) + ", crc32c "
                            + String.format("%08x", info.crc32c()) + ", sha256 " + info.sha256());
                }
                return ExitCode.OK.code();
            }
        }
    }

    @Command(
            name = "restore",
            mixinStandardHelpOptions = true,
            description = {
                "Creates a new data directory from a snapshot FILE (offline, like etcdutl snapshot restore): the"
                        + " first member of a NEW cluster, with a fresh member id, holding the snapshot's data.",
                "Start a node on it with --data-dir DIR --id ID --peers ID=HOST:PORT and a new --cluster-id; grow it"
                        + " with 'members add-learner' and 'members promote' (new members start with --join)."
            })
    static final class Restore implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "A file path, or s3://BUCKET/KEY (fetched, then checked).")
        String target;

        @CommandLine.Mixin
        S3Options s3 = new S3Options();

        @Option(
                names = "--data-dir",
                required = true,
                paramLabel = "DIR",
                description = "The new member's data directory; must be empty or absent.")
        Path dataDir;

        @Option(
                names = "--member-id",
                required = true,
                paramLabel = "ID",
                description = "The new member's id: positive and not one of the snapshot's members.")
        long memberId;

        @Override
        public Integer call() throws Exception {
            // an object is fetched beside the new data directory (same volume, no /tmp size limit)
            Path scratch = dataDir.toAbsolutePath().getParent();
            return offline(
                    spec.commandLine().getErr(),
                    () -> withLocalFile(
                            parent.root, spec, target, s3, scratch, file -> unchecked(() -> restore(file))));
        }

        private int restore(Path file) throws Exception {
            Output o = parent.root.output();
            {
                long start = System.nanoTime();
                SnapshotRestore.Restored r = SnapshotRestore.restore(file, dataDir, memberId);
                long millis = (System.nanoTime() - start) / 1_000_000;
                if (o.json()) {
                    o.printJson(new JsonObject()
                            .put("dataDir", r.dataDir().toString())
                            .put("memberId", r.memberId())
                            .put("index", r.index())
                            .put("term", r.term())
                            .put(
                                    "sourceStateHash",
                                    Long.toHexString(r.sourceHash().hash()))
                            .put("stateHash", Long.toHexString(r.restoredHash().hash()))
                            .put("millis", millis));
                } else {
                    o.println("restored " + target + " into " + r.dataDir() + " as member " + r.memberId() + " (index "
                            + r.index() + ", term " + r.term() + ", source state hash "
                            + Long.toHexString(r.sourceHash().hash()) + " verified) in " + millis + " ms");
                    o.println("start it with: --data-dir " + r.dataDir() + " --id " + r.memberId() + " --peers "
                            + r.memberId() + "=<host:peer-port> --cluster-id <a new name>");
                }
                return ExitCode.OK.code();
            }
        }
    }

    /** Runs {@code action}, carrying a checked exception out as {@link UncheckedOffline}. */
    static int unchecked(Callable<Integer> action) {
        try {
            return action.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new UncheckedOffline(e);
        }
    }
}
