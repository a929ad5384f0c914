package io.raftkv.cli;

import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.SnapshotInfo;
import io.raftkv.node.storage.SnapshotRestore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "snapshot",
        mixinStandardHelpOptions = true,
        description = "Backups.",
        subcommands = {SnapshotCommand.Save.class, SnapshotCommand.Status.class, SnapshotCommand.Restore.class})
final class SnapshotCommand implements Runnable {
    @ParentCommand
    RaftKvCtl root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "snapshot needs a subcommand: save, status or restore");
    }

    @Command(
            name = "save",
            mixinStandardHelpOptions = true,
            description = "Downloads a consistent backup into FILE (verified, written atomically).")
    static final class Save implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @Parameters(paramLabel = "FILE")
        Path file;

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

        @Override
        public Integer call() {
            RaftKvCtl root = parent.root;
            Endpoint source = from != null ? Endpoint.parse(from) : chooseSource(root);
            SnapshotInfo info = root.client().blocking().downloadSnapshot(source, file, snapshotTimeout);
            Output o = root.output();
            if (o.json()) {
                JsonArray members = new JsonArray();
                info.metadata().getMembersList().forEach(m -> members.add(Output.memberJson(m)));
                o.printJson(new JsonObject()
                        .put("file", info.file().toString())
                        .put("bytes", info.bytes())
                        .put("crc32c", String.format("%08x", info.crc32c()))
                        .put("index", info.metadata().getIndex())
                        .put("term", info.metadata().getTerm())
                        .put("format", info.metadata().getFormat())
                        .put("source", info.source().toString())
                        .put("members", members));
            } else {
                o.println("saved " + info.bytes() + " bytes (index "
                        + info.metadata().getIndex() + ", term "
                        + info.metadata().getTerm() + ", format "
                        + info.metadata().getFormat() + ", crc32c "
                        + String.format("%08x", info.crc32c()) + ") from " + info.source() + " to " + info.file());
            }
            return ExitCode.OK.code();
        }
    }

    /**
     * The follower (a voter, not the leader) with the highest applied index among the endpoints;
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
            if (s.getRole() == io.raftkv.api.v1.Role.FOLLOWER && !s.getLearner() && s.getAppliedIndex() > bestApplied) {
                best = endpoints.get(i);
                bestApplied = s.getAppliedIndex();
            }
        }
        return best != null ? best : firstAnswering != null ? firstAnswering : endpoints.get(0);
    }

    /** Runs an offline snapshot operation, mapping its failures to exit codes. */
    private static int offline(java.io.PrintWriter err, java.util.concurrent.Callable<Integer> action)
            throws Exception {
        try {
            return action.call();
        } catch (SnapshotRestore.InvalidSnapshotException e) {
            err.println("raftkvctl: DATA_LOSS: " + e.getMessage());
            err.flush();
            return ExitCode.DATA_LOSS.code();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            err.println("raftkvctl: " + e.getMessage());
            err.flush();
            return ExitCode.INTERNAL.code();
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

        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(
                names = "--scratch-dir",
                paramLabel = "DIR",
                description = "Where the snapshot is unpacked to"
                        + " compute its state hash (removed afterwards; default: beside FILE).")
        Path scratch;

        @Override
        public Integer call() throws Exception {
            Output o = parent.root.output();
            return offline(spec.commandLine().getErr(), () -> {
                Path where = scratch != null ? scratch : file.toAbsolutePath().getParent();
                SnapshotRestore.SnapshotFileInfo info = SnapshotRestore.inspect(file, where);
                if (o.json()) {
                    o.printJson(infoJson(info).put("file", file.toString()));
                } else {
                    o.println(file + ": valid RaftKV snapshot, " + info.bytes() + " bytes, index "
                            + info.metadata().index() + ", term "
                            + info.metadata().term() + ", members "
                            + info.metadata().confState().voters().stream()
                                    .sorted()
                                    .toList() + ", state hash "
                            + Long.toHexString(info.stateHash().hash()) + ", crc32c "
                            + String.format("%08x", info.crc32c()) + ", sha256 " + info.sha256());
                }
                return ExitCode.OK.code();
            });
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

        @Parameters(paramLabel = "FILE")
        Path file;

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
            Output o = parent.root.output();
            return offline(spec.commandLine().getErr(), () -> {
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
                    o.println("restored " + file + " into " + r.dataDir() + " as member " + r.memberId() + " (index "
                            + r.index() + ", term " + r.term() + ", source state hash "
                            + Long.toHexString(r.sourceHash().hash()) + " verified) in " + millis + " ms");
                    o.println("start it with: --data-dir " + r.dataDir() + " --id " + r.memberId() + " --peers "
                            + r.memberId() + "=<host:peer-port> --cluster-id <a new name>");
                }
                return ExitCode.OK.code();
            });
        }
    }
}
