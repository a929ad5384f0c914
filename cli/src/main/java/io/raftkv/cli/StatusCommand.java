package io.raftkv.cli;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.FollowerProgress;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Asks every endpoint for its own status, in parallel, and prints one row per endpoint (an
 * unreachable one gets an error row). Exit code: 0 when every endpoint answered, else the code
 * of the first failure.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Shows each endpoint's role, term, leader, indexes and, on the leader, follower lag.")
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    RaftKvCtl root;

    @Option(
            names = "--hash",
            description = "Include the state-machine hash (reads the whole state; for comparing replicas).")
    boolean hash;

    private record Row(Endpoint endpoint, StatusResponse status, RaftKvException error) {}

    @Override
    public Integer call() {
        RaftKvClient c = root.client();
        List<Endpoint> endpoints = root.endpointList();
        StatusRequest req = StatusRequest.newBuilder().setIncludeStateHash(hash).build();
        List<Future<StatusResponse>> calls = new ArrayList<>();
        for (Endpoint e : endpoints) {
            calls.add(c.status(e, req));
        }
        Future.join(calls)
                .otherwiseEmpty()
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        List<Row> rows = new ArrayList<>();
        ExitCode worst = ExitCode.OK;
        for (int i = 0; i < endpoints.size(); i++) {
            Future<StatusResponse> f = calls.get(i);
            if (f.succeeded()) {
                rows.add(new Row(endpoints.get(i), f.result(), null));
            } else {
                RaftKvException e = f.cause() instanceof RaftKvException k
                        ? k
                        : RaftKvException.local(
                                io.vertx.grpc.common.GrpcStatus.UNKNOWN,
                                f.cause().toString(),
                                false,
                                f.cause());
                rows.add(new Row(endpoints.get(i), null, e));
                if (worst == ExitCode.OK) {
                    worst = ExitCode.of(e);
                }
            }
        }
        print(rows);
        return worst.code();
    }

    private void print(List<Row> rows) {
        Output o = root.output();
        if (o.json()) {
            JsonArray arr = new JsonArray();
            for (Row r : rows) {
                JsonObject j = new JsonObject().put("endpoint", r.endpoint.toString());
                if (r.error != null) {
                    j.put(
                            "error",
                            new JsonObject()
                                    .put("status", r.error.status().name())
                                    .put("message", r.error.getMessage()));
                } else {
                    j.put("status", statusJson(r.status));
                }
                arr.add(j);
            }
            o.printJson(arr);
            return;
        }
        List<List<String>> table = new ArrayList<>();
        List<List<String>> lag = new ArrayList<>();
        for (Row r : rows) {
            if (r.error != null) {
                table.add(List.of(
                        r.endpoint.toString(),
                        "-",
                        "unreachable",
                        "-",
                        "-",
                        "-",
                        "-",
                        "-",
                        r.error.status().name() + ": " + r.error.getMessage()));
                continue;
            }
            StatusResponse s = r.status;
            table.add(List.of(
                    r.endpoint.toString(),
                    Long.toUnsignedString(s.getId()),
                    roleName(s),
                    Long.toUnsignedString(s.getTerm()),
                    s.getLeaderId() == 0 ? "none" : Long.toUnsignedString(s.getLeaderId()),
                    Long.toUnsignedString(s.getCommitIndex()),
                    Long.toUnsignedString(s.getAppliedIndex()),
                    hash ? String.format("%016x@%d", s.getStateHash(), s.getStateHashIndex()) : "-",
                    ""));
            for (FollowerProgress p : s.getProgressList()) {
                lag.add(List.of(
                        Long.toUnsignedString(p.getId()),
                        Long.toUnsignedString(p.getMatchIndex()),
                        Long.toUnsignedString(p.getNextIndex()),
                        Long.toUnsignedString(p.getLag()),
                        p.getState(),
                        p.getRecentActive() ? "yes" : "no",
                        p.getLearner() ? "learner" : "voter"));
            }
        }
        o.table(List.of("ENDPOINT", "ID", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "STATE_HASH", "ERROR"), table);
        if (!lag.isEmpty()) {
            o.println("");
            o.table(List.of("FOLLOWER", "MATCH", "NEXT", "LAG", "STATE", "ACTIVE", "ROLE"), lag);
        }
    }

    private static String roleName(StatusResponse s) {
        String role = s.getRole() == Role.UNRECOGNIZED
                ? "unknown"
                : s.getRole().name().toLowerCase(Locale.ROOT);
        return s.getLearner() ? role + " (learner)" : role;
    }

    private static JsonObject statusJson(StatusResponse s) {
        JsonArray members = new JsonArray();
        s.getMembersList().forEach(m -> members.add(Output.memberJson(m)));
        JsonArray progress = new JsonArray();
        s.getProgressList()
                .forEach(p -> progress.add(new JsonObject()
                        .put("id", p.getId())
                        .put("match_index", p.getMatchIndex())
                        .put("next_index", p.getNextIndex())
                        .put("lag", p.getLag())
                        .put("state", p.getState())
                        .put("recent_active", p.getRecentActive())
                        .put("learner", p.getLearner())));
        JsonObject j = new JsonObject()
                .put("id", s.getId())
                .put("role", roleName(s))
                .put("term", s.getTerm())
                .put("leader_id", s.getLeaderId())
                .put("leader_address", s.getLeaderAddress())
                .put("commit_index", s.getCommitIndex())
                .put("applied_index", s.getAppliedIndex())
                .put("first_index", s.getFirstIndex())
                .put("last_index", s.getLastIndex())
                .put("snapshot_index", s.getSnapshotIndex())
                .put("db_size_bytes", s.getDbSizeBytes())
                .put("version", s.getVersion())
                .put("members", members)
                .put("progress", progress);
        if (s.getStateHashIndex() != 0) {
            j.put("state_hash", String.format("%016x", s.getStateHash()))
                    .put("state_hash_index", s.getStateHashIndex());
        }
        return j;
    }
}
