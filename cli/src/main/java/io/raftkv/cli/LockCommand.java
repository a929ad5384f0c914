package io.raftkv.cli;

import io.raftkv.api.recipes.LeaseSession;
import io.raftkv.api.recipes.Lock;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code raftkvctl lock NAME [COMMAND...]}: acquires the lock NAME (a {@link Lock} under
 * {@code NAME/}), prints its key and fencing token, then runs COMMAND while holding it (its exit
 * code becomes ours; the token is in {@code RAFTKV_LOCK_TOKEN}) or, without COMMAND, holds it until
 * interrupted. The lock is released (the lease revoked) on the way out.
 */
@Command(
        name = "lock",
        mixinStandardHelpOptions = true,
        description = "Acquires lock NAME, then runs COMMAND while holding it (or holds it until interrupted).")
final class LockCommand implements Callable<Integer> {
    @ParentCommand
    RaftKvCtl root;

    @Parameters(index = "0", paramLabel = "NAME", description = "Lock name (keys live under NAME/).")
    String name;

    @Parameters(
            index = "1..*",
            paramLabel = "COMMAND",
            arity = "0..*",
            description = "Command to run while holding the lock, with its own arguments and options (raftkvctl's"
                    + " options go before NAME).")
    List<String> command;

    @Option(
            names = "--ttl",
            paramLabel = "SECONDS",
            defaultValue = "10",
            description =
                    "TTL of the lock's lease (default ${DEFAULT-VALUE}): how long the lock outlives a crashed holder.")
    long ttl;

    @Option(
            names = "--wait",
            paramLabel = "DURATION",
            defaultValue = "60s",
            converter = RaftKvCtl.DurationConverter.class,
            description = "How long to wait for the lock (default ${DEFAULT-VALUE}); exits 6 when it runs out.")
    Duration wait;

    @Override
    public Integer call() throws TimeoutException, InterruptedException, IOException {
        try (LeaseSession session = LeaseSession.open(root.client(), ttl);
                RevokeOnExit onExit = RevokeOnExit.register(session)) {
            Lock lock = new Lock(root.client(), session, name + "/");
            Lock.Held held = lock.acquire(wait);
            Output o = root.output();
            if (o.json()) {
                o.printJson(new JsonObject()
                        .put("name", name)
                        .put("key", held.key())
                        .put("fencing_token", held.fencingToken())
                        .put("lease", LeaseCommand.hex(session.leaseId())));
            } else {
                o.println(held.key() + " (fencing token " + held.fencingToken() + ")");
            }
            if (command == null || command.isEmpty()) {
                root.err().println("raftkvctl: lock lost: " + session.awaitLost());
                return ExitCode.REJECTED.code();
            }
            ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
            pb.environment().put("RAFTKV_LOCK_KEY", held.key());
            pb.environment().put("RAFTKV_LOCK_TOKEN", Long.toString(held.fencingToken()));
            int exit = pb.start().waitFor();
            lock.release();
            return exit;
        }
    }
}
