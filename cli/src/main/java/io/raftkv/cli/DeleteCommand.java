package io.raftkv.cli;

import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "del",
        mixinStandardHelpOptions = true,
        description =
                "Deletes KEY (or, with --prefix, every key starting with KEY); prints how many keys were deleted.")
final class DeleteCommand implements Callable<Integer> {
    @ParentCommand
    RaftKvCtl root;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Option(
            names = "--prefix",
            description = "Delete every key starting with KEY, atomically (one write, one revision; at most"
                    + " 10,000 keys: a larger prefix deletes nothing and exits 7 — delete it in narrower parts).")
    boolean prefix;

    @Override
    public Integer call() {
        Output o = root.output();
        if (prefix) {
            if (key.isEmpty()) {
                throw new IllegalArgumentException(
                        "del --prefix needs a non-empty prefix (refusing to delete every key)");
            }
            DeleteResponse r = root.client()
                    .blocking()
                    .delete(DeleteRequest.newBuilder()
                            .setKey(RaftKvClient.utf8(key))
                            .setPrefix(true)
                            .build());
            long deleted = r.getDeleted();
            if (o.json()) {
                o.printJson(new JsonObject()
                        .put("prefix", key)
                        .put("deleted", deleted)
                        .put("header", Output.headerJson(r.getHeader())));
            } else {
                o.println("deleted " + deleted);
            }
            return ExitCode.OK.code();
        }
        DeleteResponse r = root.client()
                .blocking()
                .delete(DeleteRequest.newBuilder()
                        .setKey(RaftKvClient.utf8(key))
                        .build());
        if (o.json()) {
            o.printJson(new JsonObject()
                    .put("key", key)
                    .put("deleted", r.getDeleted())
                    .put("header", Output.headerJson(r.getHeader())));
        } else {
            o.println("deleted " + r.getDeleted());
        }
        return ExitCode.OK.code();
    }
}
