package io.raftkv.cli;

import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.DeleteOp;
import io.raftkv.api.v1.GetOp;
import io.raftkv.api.v1.PutOp;
import io.raftkv.api.v1.TxnOp;
import io.raftkv.api.v1.TxnOpResult;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.api.v1.TxnResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code raftkvctl txn --if COND... --then OP... --else OP...}: one atomic transaction (one log
 * entry). Conditions: {@code KEY = VALUE}, {@code KEY absent}, {@code KEY mod=N}. Operations:
 * {@code put KEY VALUE [lease=HEX]}, {@code del KEY}, {@code get KEY}. Prints which branch ran and
 * each operation's result; exits 0 either way (a failed condition is an answer, not an error).
 */
@Command(
        name = "txn",
        mixinStandardHelpOptions = true,
        description = "Runs --then ops if every --if condition holds, else --else ops; atomically.")
final class TxnCommand implements Callable<Integer> {
    @ParentCommand
    RaftKvCtl root;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--if",
            paramLabel = "COND",
            description = "'KEY = VALUE', 'KEY absent' or 'KEY mod=N' (repeatable; all must hold).")
    List<String> conditions = new ArrayList<>();

    @Option(
            names = "--then",
            paramLabel = "OP",
            description = "'put KEY VALUE [lease=HEX]', 'del KEY' or 'get KEY' (repeatable).")
    List<String> then = new ArrayList<>();

    @Option(names = "--else", paramLabel = "OP", description = "As --then, run when a condition fails (repeatable).")
    List<String> otherwise = new ArrayList<>();

    @Override
    public Integer call() {
        TxnRequest.Builder req = TxnRequest.newBuilder();
        for (String c : conditions) {
            req.addCompares(compare(c));
        }
        for (String op : then) {
            req.addSuccess(op(op));
        }
        for (String op : otherwise) {
            req.addFailure(op(op));
        }
        TxnRequest built = req.build();
        TxnResponse r = root.client().blocking().txn(built);
        List<TxnOp> ran = r.getSucceeded() ? built.getSuccessList() : built.getFailureList();
        Output o = root.output();
        if (o.json()) {
            JsonArray results = new JsonArray();
            for (TxnOpResult res : r.getResultsList()) {
                results.add(resultJson(res));
            }
            o.printJson(new JsonObject()
                    .put("succeeded", r.getSucceeded())
                    .put("results", results)
                    .put("header", Output.headerJson(r.getHeader())));
        } else {
            o.println(r.getSucceeded() ? "SUCCESS" : "FAILURE");
            for (int i = 0; i < r.getResultsCount(); i++) {
                o.println(describe(ran.get(i), r.getResults(i)));
            }
        }
        return ExitCode.OK.code();
    }

    private Compare compare(String text) {
        String[] p = text.trim().split("\\s+", 3);
        if (p.length == 2 && p[1].equals("absent")) {
            return Compare.newBuilder()
                    .setKey(RaftKvClient.utf8(p[0]))
                    .setTarget(Compare.Target.ABSENT)
                    .build();
        }
        if (p.length == 2 && p[1].startsWith("mod=")) {
            try {
                return Compare.newBuilder()
                        .setKey(RaftKvClient.utf8(p[0]))
                        .setTarget(Compare.Target.MOD_INDEX)
                        .setModIndex(Long.parseLong(p[1].substring(4)))
                        .build();
            } catch (NumberFormatException e) {
                throw new ParameterException(spec.commandLine(), "--if '" + text + "': mod= needs a number");
            }
        }
        if (p.length >= 2 && p[1].equals("=")) {
            return Compare.newBuilder()
                    .setKey(RaftKvClient.utf8(p[0]))
                    .setTarget(Compare.Target.VALUE)
                    .setValue(RaftKvClient.utf8(p.length == 3 ? p[2] : ""))
                    .build();
        }
        throw new ParameterException(
                spec.commandLine(), "--if '" + text + "' is not 'KEY = VALUE', 'KEY absent' or 'KEY mod=N'");
    }

    private TxnOp op(String text) {
        String[] p = text.trim().split("\\s+", 3);
        switch (p[0]) {
            case "put" -> {
                if (p.length < 2) {
                    break;
                }
                String value = p.length == 3 ? p[2] : "";
                long lease = 0;
                int at = value.lastIndexOf(" lease=");
                if (value.startsWith("lease=")) {
                    lease = LeaseCommand.parseId(value.substring(6));
                    value = "";
                } else if (at >= 0) {
                    lease = LeaseCommand.parseId(value.substring(at + 7));
                    value = value.substring(0, at);
                }
                return TxnOp.newBuilder()
                        .setPut(PutOp.newBuilder()
                                .setKey(RaftKvClient.utf8(p[1]))
                                .setValue(RaftKvClient.utf8(value))
                                .setLease(lease))
                        .build();
            }
            case "del" -> {
                if (p.length == 2) {
                    return TxnOp.newBuilder()
                            .setDelete(DeleteOp.newBuilder().setKey(RaftKvClient.utf8(p[1])))
                            .build();
                }
            }
            case "get" -> {
                if (p.length == 2) {
                    return TxnOp.newBuilder()
                            .setGet(GetOp.newBuilder().setKey(RaftKvClient.utf8(p[1])))
                            .build();
                }
            }
            default -> {}
        }
        throw new ParameterException(
                spec.commandLine(), "'" + text + "' is not 'put KEY VALUE [lease=HEX]', 'del KEY' or 'get KEY'");
    }

    private static String describe(TxnOp op, TxnOpResult r) {
        return switch (r.getResultCase()) {
            case PUT -> "put " + Output.text(op.getPut().getKey()) + " OK";
            case DELETE ->
                "del " + Output.text(op.getDelete().getKey()) + " deleted "
                        + r.getDelete().getDeleted();
            case GET ->
                "get " + Output.text(op.getGet().getKey()) + " = "
                        + (r.getGet().hasKv() ? Output.text(r.getGet().getKv().getValue()) : "(absent)");
            case RESULT_NOT_SET -> "?";
        };
    }

    private static JsonObject resultJson(TxnOpResult r) {
        return switch (r.getResultCase()) {
            case PUT -> new JsonObject().put("put", new JsonObject());
            case DELETE ->
                new JsonObject()
                        .put(
                                "delete",
                                new JsonObject().put("deleted", r.getDelete().getDeleted()));
            case GET ->
                new JsonObject()
                        .put(
                                "get",
                                r.getGet().hasKv() ? Output.kvJson(r.getGet().getKv(), false) : new JsonObject());
            case RESULT_NOT_SET -> new JsonObject();
        };
    }
}
