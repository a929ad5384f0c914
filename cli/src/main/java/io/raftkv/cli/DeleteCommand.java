package io.raftkv.cli;

import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

@Command(name = "del", mixinStandardHelpOptions = true, description = "Deletes KEY; prints how many keys were deleted (0 or 1).")
final class DeleteCommand implements Callable<Integer> {
    @ParentCommand
    RaftKvCtl root;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Override
    public Integer call() {
        DeleteResponse r = root.client().blocking().delete(DeleteRequest.newBuilder()
                .setKey(RaftKvClient.utf8(key)).build());
        Output o = root.output();
        if (o.json()) {
            o.printJson(new JsonObject().put("key", key).put("deleted", r.getDeleted())
                    .put("header", Output.headerJson(r.getHeader())));
        } else {
            o.println("deleted " + r.getDeleted());
        }
        return ExitCode.OK.code();
    }
}
