package io.raftkv.cli;

import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.GetResponse;
import io.raftkv.api.v1.ReadConsistency;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "get", mixinStandardHelpOptions = true, description = "Reads KEY. Exit code 3 when it does not exist.")
final class GetCommand implements Callable<Integer> {
    @ParentCommand
    RaftKvCtl root;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Option(
            names = "--consistency",
            paramLabel = "MODE",
            defaultValue = "linearizable",
            description = "linearizable (default), lease or serializable (local, possibly stale).")
    ReadConsistency consistency;

    @Option(names = "--value-only", description = "Print only the value (table output).")
    boolean valueOnly;

    @Spec
    CommandSpec spec;

    /** Rejects protobuf's UNRECOGNIZED placeholder, which picocli would otherwise accept. */
    static void checkConsistency(CommandSpec spec, ReadConsistency c) {
        if (c == ReadConsistency.UNRECOGNIZED) {
            throw new ParameterException(
                    spec.commandLine(), "--consistency must be linearizable, lease or serializable");
        }
    }

    @Override
    public Integer call() {
        checkConsistency(spec, consistency);
        GetResponse r = root.client()
                .blocking()
                .get(GetRequest.newBuilder()
                        .setKey(RaftKvClient.utf8(key))
                        .setConsistency(consistency)
                        .build());
        Output o = root.output();
        if (o.json()) {
            JsonObject j = r.hasKv() ? Output.kvJson(r.getKv(), false) : new JsonObject().put("key", key);
            o.printJson(j.put("found", r.hasKv()).put("header", Output.headerJson(r.getHeader())));
        } else if (!r.hasKv()) {
            o.println("key not found: " + key);
        } else if (valueOnly) {
            o.println(Output.text(r.getKv().getValue()));
        } else {
            o.table(Output.kvHeader(false), List.of(Output.kvRow(r.getKv(), false)));
        }
        return r.hasKv() ? ExitCode.OK.code() : ExitCode.NOT_FOUND.code();
    }
}
