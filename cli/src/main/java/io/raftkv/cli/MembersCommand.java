package io.raftkv.cli;

import io.raftkv.api.client.Endpoint;
import io.raftkv.api.v1.AddLearnerRequest;
import io.raftkv.api.v1.AddLearnerResponse;
import io.raftkv.api.v1.Member;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code members list | add-learner | promote | remove}. Changes go to the leader. */
@Command(
        name = "members",
        mixinStandardHelpOptions = true,
        description = "Lists and changes cluster membership.",
        subcommands = {
            MembersCommand.ListMembers.class,
            MembersCommand.AddLearner.class,
            MembersCommand.Promote.class,
            MembersCommand.Remove.class
        })
final class MembersCommand implements Runnable {
    @ParentCommand
    RaftKvCtl root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "members needs a subcommand: list, add-learner, promote or remove");
    }

    static int printMembers(Output o, List<Member> members) {
        if (o.json()) {
            JsonArray arr = new JsonArray();
            members.forEach(m -> arr.add(Output.memberJson(m)));
            o.printJson(new JsonObject().put("members", arr));
        } else {
            o.table(
                    Output.memberHeader(),
                    members.stream().map(Output::memberRow).toList());
        }
        return ExitCode.OK.code();
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "Lists members with their role and addresses.")
    static final class ListMembers implements Callable<Integer> {
        @ParentCommand
        MembersCommand parent;

        @Override
        public Integer call() {
            return printMembers(
                    parent.root.output(),
                    parent.root.client().blocking().memberList().getMembersList());
        }
    }

    @Command(
            name = "add-learner",
            mixinStandardHelpOptions = true,
            description = "Adds a non-voting member; promote it once it has caught up.")
    static final class AddLearner implements Callable<Integer> {
        @ParentCommand
        MembersCommand parent;

        @Option(
                names = "--peer-address",
                required = true,
                paramLabel = "HOST:PORT",
                description = "The new member's peer (Raft) address.")
        String peerAddress;

        @Option(names = "--client-address", paramLabel = "HOST:PORT", description = "The new member's client address.")
        String clientAddress;

        @Option(
                names = "--id",
                paramLabel = "ID",
                defaultValue = "0",
                description = "Member id; default: the leader assigns a fresh one.")
        long id;

        @Override
        public Integer call() {
            Endpoint.parse(peerAddress); // fail early with a clear message on a malformed address
            AddLearnerRequest.Builder b =
                    AddLearnerRequest.newBuilder().setId(id).setPeerAddress(peerAddress);
            if (clientAddress != null) {
                Endpoint.parse(clientAddress);
                b.setClientAddress(clientAddress);
            }
            AddLearnerResponse r = parent.root.client().blocking().addLearner(b.build());
            Output o = parent.root.output();
            if (!o.json()) {
                o.println("added learner " + Long.toUnsignedString(r.getMember().getId()));
            }
            return printMembers(o, r.getMembersList());
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Turns learner ID into a voter.")
    static final class Promote implements Callable<Integer> {
        @ParentCommand
        MembersCommand parent;

        @Parameters(paramLabel = "ID")
        long id;

        @Override
        public Integer call() {
            return printMembers(
                    parent.root.output(),
                    parent.root.client().blocking().promoteMember(id).getMembersList());
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Removes member ID (voter or learner).")
    static final class Remove implements Callable<Integer> {
        @ParentCommand
        MembersCommand parent;

        @Parameters(paramLabel = "ID")
        long id;

        @Override
        public Integer call() {
            return printMembers(
                    parent.root.output(),
                    parent.root.client().blocking().removeMember(id).getMembersList());
        }
    }
}
