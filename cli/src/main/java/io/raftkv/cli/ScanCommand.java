package io.raftkv.cli;

import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.KeyInterval;
import io.raftkv.api.v1.KeyValue;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.ReadConsistency;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "scan",
        mixinStandardHelpOptions = true,
        description = "Lists keys in a prefix or in [--from, --to), in key order.")
final class ScanCommand implements Callable<Integer> {
    static final int MAX_LIMIT = 100_000;

    @ParentCommand
    RaftKvCtl root;

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Selector selector;

    static final class Selector {
        @Option(names = "--prefix", paramLabel = "PREFIX", description = "Keys starting with PREFIX.")
        String prefix;

        @ArgGroup(exclusive = false)
        Interval interval;
    }

    static final class Interval {
        @Option(names = "--from", required = true, paramLabel = "START", description = "First key (inclusive).")
        String from;

        @Option(names = "--to", paramLabel = "END", description = "End key (exclusive); default: to the last key.")
        String to;
    }

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "100",
            description = "At most N keys, 1.." + MAX_LIMIT + " (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(
            names = "--consistency",
            paramLabel = "MODE",
            defaultValue = "linearizable",
            description = "linearizable (default), lease or serializable.")
    ReadConsistency consistency;

    @Option(names = "--keys-only", description = "Omit values.")
    boolean keysOnly;

    @Override
    public Integer call() {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ParameterException(
                    spec.commandLine(), "--limit must be within 1.." + MAX_LIMIT + ", got " + limit);
        }
        GetCommand.checkConsistency(spec, consistency);
        RangeRequest.Builder req = RangeRequest.newBuilder()
                .setLimit(limit)
                .setConsistency(consistency)
                .setKeysOnly(keysOnly);
        if (selector != null && selector.prefix != null) {
            req.setPrefix(RaftKvClient.utf8(selector.prefix));
        } else if (selector != null && selector.interval != null) {
            Interval i = selector.interval;
            if (i.to != null
                    && !i.to.isEmpty()
                    && com.google.protobuf.ByteString.unsignedLexicographicalComparator()
                                    .compare(RaftKvClient.utf8(i.from), RaftKvClient.utf8(i.to))
                            > 0) {
                throw new ParameterException(
                        spec.commandLine(), "--from '" + i.from + "' is after --to '" + i.to + "'");
            }
            req.setInterval(KeyInterval.newBuilder()
                    .setStart(RaftKvClient.utf8(i.from))
                    .setEnd(RaftKvClient.utf8(i.to == null ? "" : i.to)));
        }
        RangeResponse r = root.client().blocking().range(req.build());
        Output o = root.output();
        if (o.json()) {
            JsonArray kvs = new JsonArray();
            r.getKvsList().forEach(kv -> kvs.add(Output.kvJson(kv, keysOnly)));
            o.printJson(new JsonObject()
                    .put("kvs", kvs)
                    .put("count", r.getKvsCount())
                    .put("more", r.getMore())
                    .put("header", Output.headerJson(r.getHeader())));
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (KeyValue kv : r.getKvsList()) {
                rows.add(Output.kvRow(kv, keysOnly));
            }
            o.table(Output.kvHeader(keysOnly), rows);
            if (r.getMore()) {
                KeyValue last = r.getKvs(r.getKvsCount() - 1);
                o.println("(more keys: continue after '" + Output.text(last.getKey()) + "')");
            }
        }
        return ExitCode.OK.code();
    }
}
