package io.raftkv.cli;

import io.raftkv.api.v1.TransferLeadershipResponse;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "transfer-leader",
        mixinStandardHelpOptions = true,
        description = "Hands leadership to voter TARGET, or to the most caught-up voter with 'any'.")
final class TransferLeaderCommand implements Callable<Integer> {
    @ParentCommand
    RaftKvCtl root;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "TARGET", defaultValue = "any", description = "Member id or 'any' (default).")
    String target;

    @Override
    public Integer call() {
        long id;
        if (target.equalsIgnoreCase("any")) {
            id = 0;
        } else {
            try {
                id = Long.parseUnsignedLong(target);
            } catch (NumberFormatException e) {
                throw new ParameterException(
                        spec.commandLine(), "TARGET must be a member id or 'any', got '" + target + "'");
            }
            if (id == 0) {
                throw new ParameterException(spec.commandLine(), "member id 0 is not valid; use 'any'");
            }
        }
        TransferLeadershipResponse r = root.client().blocking().transferLeadership(id);
        Output o = root.output();
        if (o.json()) {
            o.printJson(new JsonObject()
                    .put("leader_id", r.getLeaderId())
                    .put("leader_address", r.getLeaderAddress())
                    .put("header", Output.headerJson(r.getHeader())));
        } else {
            o.println("leader is now " + Long.toUnsignedString(r.getLeaderId())
                    + (r.getLeaderAddress().isEmpty() ? "" : " at " + r.getLeaderAddress()));
        }
        return ExitCode.OK.code();
    }
}
