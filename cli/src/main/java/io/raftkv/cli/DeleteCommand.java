package io.raftkv.cli;

import com.google.protobuf.ByteString;
import io.raftkv.api.client.BlockingRaftKvClient;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.DeleteOp;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.raftkv.api.v1.KeyValue;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.TxnOp;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.api.v1.TxnResponse;
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
    /** Deletes per transaction with --prefix (the server's default limit of ops per branch). */
    static final int BATCH = 64;

    @ParentCommand
    RaftKvCtl root;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Option(
            names = "--prefix",
            description = "Delete every key starting with KEY, in transactions of " + BATCH
                    + " keys each: each batch is atomic, the whole prefix is not (a key put meanwhile may survive).")
    boolean prefix;

    @Override
    public Integer call() {
        Output o = root.output();
        if (prefix) {
            if (key.isEmpty()) {
                throw new IllegalArgumentException(
                        "del --prefix needs a non-empty prefix (refusing to delete every key)");
            }
            long deleted = deletePrefix(root.client().blocking(), RaftKvClient.utf8(key));
            if (o.json()) {
                o.printJson(new JsonObject().put("prefix", key).put("deleted", deleted));
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

    /** Pages through the prefix (keys only) and deletes each page's keys in transactions of {@link #BATCH}. */
    static long deletePrefix(BlockingRaftKvClient kv, ByteString prefix) {
        long deleted = 0;
        while (true) {
            RangeResponse page = kv.range(RangeRequest.newBuilder()
                    .setPrefix(prefix)
                    .setKeysOnly(true)
                    .setLimit(BATCH)
                    .build());
            if (page.getKvsCount() == 0) {
                return deleted;
            }
            TxnRequest.Builder txn = TxnRequest.newBuilder();
            for (KeyValue k : page.getKvsList()) {
                txn.addSuccess(
                        TxnOp.newBuilder().setDelete(DeleteOp.newBuilder().setKey(k.getKey())));
            }
            TxnResponse r = kv.txn(txn.build());
            for (var res : r.getResultsList()) {
                deleted += res.getDelete().getDeleted();
            }
        }
    }
}
