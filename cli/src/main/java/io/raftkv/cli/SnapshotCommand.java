package io.raftkv.cli;

import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.SnapshotInfo;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "snapshot", mixinStandardHelpOptions = true, description = "Backups.", subcommands = SnapshotCommand.Save.class)
final class SnapshotCommand implements Runnable {
    @ParentCommand
    RaftKvCtl root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "snapshot needs a subcommand: save");
    }

    @Command(name = "save", mixinStandardHelpOptions = true, description = "Downloads a consistent backup into FILE (verified, written atomically).")
    static final class Save implements Callable<Integer> {
        @ParentCommand
        SnapshotCommand parent;

        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(names = "--from-endpoint", paramLabel = "HOST:PORT",
                description = "Node to download from; default: the first endpoint.")
        String from;

        @Option(names = "--snapshot-timeout", paramLabel = "DURATION", defaultValue = "30m",
                converter = RaftKvCtl.DurationConverter.class,
                description = "Deadline of the whole download (default ${DEFAULT-VALUE}).")
        Duration snapshotTimeout;

        @Override
        public Integer call() {
            RaftKvCtl root = parent.root;
            Endpoint source = from != null ? Endpoint.parse(from) : root.endpointList().get(0);
            SnapshotInfo info = root.client().blocking().downloadSnapshot(source, file, snapshotTimeout);
            Output o = root.output();
            if (o.json()) {
                JsonArray members = new JsonArray();
                info.metadata().getMembersList().forEach(m -> members.add(Output.memberJson(m)));
                o.printJson(new JsonObject().put("file", info.file().toString()).put("bytes", info.bytes())
                        .put("crc32c", String.format("%08x", info.crc32c())).put("index", info.metadata().getIndex())
                        .put("term", info.metadata().getTerm()).put("format", info.metadata().getFormat())
                        .put("source", info.source().toString()).put("members", members));
            } else {
                o.println("saved " + info.bytes() + " bytes (index " + info.metadata().getIndex() + ", term "
                        + info.metadata().getTerm() + ", format " + info.metadata().getFormat() + ", crc32c "
                        + String.format("%08x", info.crc32c()) + ") from " + info.source() + " to " + info.file());
            }
            return ExitCode.OK.code();
        }
    }
}
