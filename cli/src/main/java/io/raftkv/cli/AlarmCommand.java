package io.raftkv.cli;

import io.raftkv.api.v1.AlarmDisarmRequest;
import io.raftkv.api.v1.AlarmDisarmResponse;
import io.raftkv.api.v1.AlarmListResponse;
import io.raftkv.api.v1.AlarmMember;
import io.raftkv.api.v1.AlarmType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code raftkvctl alarm list|disarm}: the cluster-wide alarms (etcdctl's {@code alarm list} and
 * {@code alarm disarm}). Disarm needs the admin role and goes to the leader; a NOSPACE alarm is
 * disarmed only once the leader's data is back within its quota (exit 7 otherwise).
 */
@Command(
        name = "alarm",
        mixinStandardHelpOptions = true,
        description = "Cluster-wide alarms (NOSPACE...).",
        subcommands = {AlarmCommand.ListAlarms.class, AlarmCommand.Disarm.class})
final class AlarmCommand implements Runnable {
    @ParentCommand
    RaftKvCtl root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "alarm needs a subcommand: list or disarm");
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "Lists the active alarms, one 'memberID:<id>, alarm:<TYPE>' line each (as etcdctl).")
    static final class ListAlarms implements Callable<Integer> {
        @ParentCommand
        AlarmCommand parent;

        @Override
        public Integer call() {
            AlarmListResponse r = parent.root.client().blocking().alarmList();
            Output o = parent.root.output();
            if (o.json()) {
                o.printJson(new JsonObject()
                        .put("alarms", json(r.getAlarmsList()))
                        .put("quota_backend_bytes", r.getQuotaBackendBytes())
                        .put("data_bytes", r.getDataBytes())
                        .put("header", Output.headerJson(r.getHeader())));
            } else {
                r.getAlarmsList().forEach(a -> o.println(line(a)));
            }
            return ExitCode.OK.code();
        }
    }

    @Command(
            name = "disarm",
            mixinStandardHelpOptions = true,
            description =
                    "Clears alarms (admin). NOSPACE clears only once the data is within the quota: delete keys first.")
    static final class Disarm implements Callable<Integer> {
        @ParentCommand
        AlarmCommand parent;

        @Option(
                names = "--type",
                paramLabel = "TYPE",
                description = "Only this type (e.g. NOSPACE); default: every type.")
        String type;

        @Option(
                names = "--member",
                paramLabel = "ID",
                defaultValue = "0",
                description = "Only this member's alarms; default: every member.")
        long member;

        @Override
        public Integer call() {
            AlarmDisarmRequest.Builder req = AlarmDisarmRequest.newBuilder().setMemberId(member);
            if (type != null) {
                try {
                    req.setType(AlarmType.valueOf(type.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(
                            parent.spec.commandLine(), "unknown alarm type '" + type + "'");
                }
            }
            AlarmDisarmResponse r = parent.root.client().blocking().alarmDisarm(req.build());
            Output o = parent.root.output();
            if (o.json()) {
                o.printJson(new JsonObject()
                        .put("disarmed", json(r.getDisarmedList()))
                        .put("alarms", json(r.getAlarmsList()))
                        .put("header", Output.headerJson(r.getHeader())));
            } else {
                r.getDisarmedList().forEach(a -> o.println(line(a)));
            }
            return ExitCode.OK.code();
        }
    }

    static String line(AlarmMember a) {
        return "memberID:" + Long.toUnsignedString(a.getMemberId()) + ", alarm:" + typeName(a);
    }

    private static String typeName(AlarmMember a) {
        return a.getType() == AlarmType.UNRECOGNIZED
                ? Integer.toString(a.getTypeValue())
                : a.getType().name();
    }

    private static JsonArray json(List<AlarmMember> alarms) {
        JsonArray out = new JsonArray();
        alarms.forEach(a -> out.add(new JsonObject()
                .put("member_id", Long.toUnsignedString(a.getMemberId()))
                .put("type", typeName(a))));
        return out;
    }
}
