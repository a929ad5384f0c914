package io.raftkv.cli;

import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "put",
        mixinStandardHelpOptions = true,
        description = "Writes KEY = VALUE (UTF-8). Retried safely: the write carries a session.")
final class PutCommand implements Callable<Integer> {
    @ParentCommand
    RaftKvCtl root;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Option(names = "--prev-kv", description = "Also print the previous value.")
    boolean prevKv;

    @Option(
            names = "--lease",
            paramLabel = "ID",
            description = "Attach the key to lease ID (hexadecimal, as `lease grant` prints it): the key is deleted"
                    + " when the lease expires or is revoked. Without it, the key is detached from any lease.")
    String lease;

    @Override
    public Integer call() {
        RaftKvClient c = root.client();
        PutResponse r = c.blocking()
                .put(PutRequest.newBuilder()
                        .setKey(RaftKvClient.utf8(key))
                        .setValue(RaftKvClient.utf8(value))
                        .setPrevKv(prevKv)
                        .setLease(lease == null ? 0 : LeaseCommand.parseId(lease))
                        .build());
        Output o = root.output();
        if (o.json()) {
            JsonObject j = new JsonObject()
                    .put("key", key)
                    .put("mod_revision", r.getHeader().getRevision())
                    .put("header", Output.headerJson(r.getHeader()));
            if (r.hasPrevKv()) {
                j.put("prev_kv", Output.kvJson(r.getPrevKv(), false));
            }
            o.printJson(j);
        } else {
            o.println("OK mod_revision=" + r.getHeader().getRevision());
            if (r.hasPrevKv()) {
                o.table(Output.kvHeader(false), List.of(Output.kvRow(r.getPrevKv(), false)));
            }
        }
        return ExitCode.OK.code();
    }
}
