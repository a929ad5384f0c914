package io.raftkv.cli;

import io.raftkv.api.recipes.Election;
import io.raftkv.api.recipes.LeaderObserver;
import io.raftkv.api.recipes.LeaseSession;
import io.raftkv.api.v1.KeyValue;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code raftkvctl elect NAME VALUE}: campaigns in election NAME with VALUE, prints when it leads,
 * and leads until interrupted (resigning on the way out) or until its lease is lost (exit 7).
 * {@code raftkvctl elect --listen NAME}: prints the leader's value now and each time it changes
 * (a Watch of the election's keys; no lease, not a candidate).
 */
@Command(
        name = "elect",
        mixinStandardHelpOptions = true,
        description = "Campaigns in election NAME with VALUE and leads until interrupted; --listen prints each leader.")
final class ElectCommand implements Callable<Integer> {
    @ParentCommand
    RaftKvCtl root;

    @Parameters(index = "0", paramLabel = "NAME", description = "Election name (keys live under NAME/).")
    String name;

    @Parameters(index = "1", paramLabel = "VALUE", arity = "0..1", description = "This candidate's value.")
    String value;

    @Option(names = "--listen", description = "Observe: print the leader's value on every change, until interrupted.")
    boolean listen;

    @Option(
            names = "--ttl",
            paramLabel = "SECONDS",
            defaultValue = "10",
            description = "TTL of the candidate's lease (default ${DEFAULT-VALUE}).")
    long ttl;

    @Option(
            names = "--wait",
            paramLabel = "DURATION",
            defaultValue = "24h",
            converter = RaftKvCtl.DurationConverter.class,
            description = "How long to campaign before giving up (default ${DEFAULT-VALUE}); exits 6.")
    Duration wait;

    @Override
    public Integer call() throws TimeoutException, InterruptedException {
        Output o = root.output();
        if (listen) {
            try (LeaderObserver observer = Election.observer(root.client(), name + "/")) {
                Optional<KeyValue> known = observer.leader();
                print(o, known);
                while (true) {
                    try {
                        known = observer.awaitChange(known, Duration.ofMinutes(1));
                    } catch (TimeoutException unchanged) {
                        continue;
                    }
                    print(o, known);
                }
            }
        }
        if (value == null) {
            throw new IllegalArgumentException("VALUE is required unless --listen is given");
        }
        try (LeaseSession session = LeaseSession.open(root.client(), ttl);
                RevokeOnExit onExit = RevokeOnExit.register(session)) {
            Election e = new Election(root.client(), session, name + "/");
            long token = e.campaign(value, wait);
            if (o.json()) {
                o.printJson(
                        new JsonObject().put("name", name).put("leader", value).put("fencing_token", token));
            } else {
                o.println("leading " + name + " as '" + value + "' (fencing token " + token + ")");
            }
            root.err().println("raftkvctl: leadership lost: " + session.awaitLost());
            return ExitCode.REJECTED.code();
        }
    }

    private void print(Output o, Optional<KeyValue> leader) {
        if (o.json()) {
            JsonObject j = new JsonObject().put("name", name);
            leader.ifPresent(kv -> j.put("leader", Output.text(kv.getValue())).put("key", Output.text(kv.getKey())));
            o.printJson(j);
        } else {
            o.println(leader.map(kv -> Output.text(kv.getValue())).orElse("(no leader)"));
        }
    }
}
