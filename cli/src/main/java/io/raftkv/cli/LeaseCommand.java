package io.raftkv.cli;

import io.raftkv.api.client.LeaseKeepAlive;
import io.raftkv.api.v1.LeaseGrantRequest;
import io.raftkv.api.v1.LeaseGrantResponse;
import io.raftkv.api.v1.LeaseLeasesResponse;
import io.raftkv.api.v1.LeaseRevokeResponse;
import io.raftkv.api.v1.LeaseTimeToLiveResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code raftkvctl lease grant|keep-alive|revoke|list|timetolive}. */
@Command(
        name = "lease",
        mixinStandardHelpOptions = true,
        description = "Grants, renews, revokes and lists leases.",
        subcommands = {
            LeaseCommand.Grant.class,
            LeaseCommand.KeepAlive.class,
            LeaseCommand.Revoke.class,
            LeaseCommand.ListLeases.class,
            LeaseCommand.TimeToLive.class
        })
final class LeaseCommand implements Runnable {
    @ParentCommand
    RaftKvCtl root;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "a lease command is required: grant, keep-alive, revoke, list or timetolive");
    }

    static String hex(long id) {
        return Long.toHexString(id);
    }

    /** Lease ids are printed and read in hexadecimal, as etcdctl does. */
    static long parseId(String text) {
        try {
            long id = Long.parseUnsignedLong(text.startsWith("0x") ? text.substring(2) : text, 16);
            if (id <= 0) {
                throw new IllegalArgumentException(
                        "lease id must be a positive hexadecimal number, got '" + text + "'");
            }
            return id;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("lease id must be a positive hexadecimal number, got '" + text + "'");
        }
    }

    @Command(
            name = "grant",
            mixinStandardHelpOptions = true,
            description = "Grants a lease of TTL seconds; prints its id (hexadecimal).")
    static final class Grant implements Callable<Integer> {
        @ParentCommand
        LeaseCommand lease;

        @Parameters(index = "0", paramLabel = "TTL", description = "Seconds (the leader raises it to its minimum).")
        long ttl;

        @Option(names = "--id", paramLabel = "HEX", description = "Use this id instead of one the leader picks.")
        String id;

        @Override
        public Integer call() {
            LeaseGrantRequest.Builder b = LeaseGrantRequest.newBuilder().setTtl(ttl);
            if (id != null) {
                b.setId(parseId(id));
            }
            LeaseGrantResponse r = lease.root.client().blocking().leaseGrant(b.build());
            Output o = lease.root.output();
            if (o.json()) {
                o.printJson(new JsonObject()
                        .put("id", hex(r.getId()))
                        .put("ttl", r.getTtl())
                        .put("header", Output.headerJson(r.getHeader())));
            } else {
                o.println("lease " + hex(r.getId()) + " granted with TTL " + r.getTtl() + "s");
            }
            return ExitCode.OK.code();
        }
    }

    @Command(
            name = "keep-alive",
            mixinStandardHelpOptions = true,
            description = "Keeps lease ID alive until interrupted (or, with --once, renews it once). Exits 3 when"
                    + " the lease expires or is revoked.")
    static final class KeepAlive implements Callable<Integer> {
        @ParentCommand
        LeaseCommand lease;

        @Parameters(index = "0", paramLabel = "ID", description = "Lease id (hexadecimal).")
        String id;

        @Option(names = "--once", description = "Renew once, print the TTL, and exit.")
        boolean once;

        @Override
        public Integer call() throws InterruptedException {
            long leaseId = parseId(id);
            var client = lease.root.client();
            LeaseTimeToLiveResponse t = client.blocking().leaseTimeToLive(leaseId, false);
            if (t.getTtl() < 0) {
                lease.root.err().println("raftkvctl: lease " + id + " not found");
                return ExitCode.NOT_FOUND.code();
            }
            LeaseKeepAlive keep = client.keepAlive(leaseId, Math.max(1, t.getTtl()), System.nanoTime());
            Output o = lease.root.output();
            long seen = keep.aliveUntilNanos();
            CountDownLatch lost = new CountDownLatch(1);
            keep.lost().onComplete(ar -> lost.countDown());
            try {
                while (true) {
                    if (lost.await(100, TimeUnit.MILLISECONDS)) {
                        lease.root.err().println("raftkvctl: " + keep.lost().result());
                        return ExitCode.NOT_FOUND.code();
                    }
                    if (keep.aliveUntilNanos() != seen) {
                        seen = keep.aliveUntilNanos();
                        if (o.json()) {
                            o.printJson(new JsonObject().put("id", hex(leaseId)).put("ttl", keep.ttlSeconds()));
                        } else {
                            o.println("lease " + hex(leaseId) + " kept alive with TTL " + keep.ttlSeconds() + "s");
                        }
                        if (once) {
                            return ExitCode.OK.code();
                        }
                    }
                }
            } finally {
                keep.stop();
            }
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = "Revokes lease ID and deletes every key attached to it.")
    static final class Revoke implements Callable<Integer> {
        @ParentCommand
        LeaseCommand lease;

        @Parameters(index = "0", paramLabel = "ID", description = "Lease id (hexadecimal).")
        String id;

        @Override
        public Integer call() {
            LeaseRevokeResponse r = lease.root.client().blocking().leaseRevoke(parseId(id));
            Output o = lease.root.output();
            if (o.json()) {
                o.printJson(new JsonObject()
                        .put("id", id)
                        .put("deleted", r.getDeleted())
                        .put("header", Output.headerJson(r.getHeader())));
            } else {
                o.println("lease " + id + " revoked, " + r.getDeleted() + " key(s) deleted");
            }
            return ExitCode.OK.code();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists every lease.")
    static final class ListLeases implements Callable<Integer> {
        @ParentCommand
        LeaseCommand lease;

        @Override
        public Integer call() {
            LeaseLeasesResponse r = lease.root.client().blocking().leases();
            Output o = lease.root.output();
            if (o.json()) {
                JsonArray a = new JsonArray();
                r.getLeasesList()
                        .forEach(l -> a.add(
                                new JsonObject().put("id", hex(l.getId())).put("granted_ttl", l.getGrantedTtl())));
                o.printJson(new JsonObject().put("leases", a).put("header", Output.headerJson(r.getHeader())));
            } else {
                List<List<String>> rows = new ArrayList<>();
                r.getLeasesList().forEach(l -> rows.add(List.of(hex(l.getId()), Long.toString(l.getGrantedTtl()))));
                o.table(List.of("ID", "GRANTED TTL"), rows);
            }
            return ExitCode.OK.code();
        }
    }

    @Command(
            name = "timetolive",
            mixinStandardHelpOptions = true,
            description = "Prints lease ID's remaining and granted TTL (and, with --keys, its keys). Exits 3 when"
                    + " the lease does not exist.")
    static final class TimeToLive implements Callable<Integer> {
        @ParentCommand
        LeaseCommand lease;

        @Parameters(index = "0", paramLabel = "ID", description = "Lease id (hexadecimal).")
        String id;

        @Option(names = "--keys", description = "Also list the keys attached to the lease.")
        boolean keys;

        @Override
        public Integer call() {
            LeaseTimeToLiveResponse r = lease.root.client().blocking().leaseTimeToLive(parseId(id), keys);
            Output o = lease.root.output();
            if (r.getTtl() < 0) {
                if (o.json()) {
                    o.printJson(new JsonObject().put("id", id).put("ttl", -1));
                }
                lease.root.err().println("raftkvctl: lease " + id + " not found (expired, revoked or never granted)");
                return ExitCode.NOT_FOUND.code();
            }
            if (o.json()) {
                JsonArray ks = new JsonArray();
                r.getKeysList().forEach(k -> ks.add(Output.text(k)));
                JsonObject j = new JsonObject()
                        .put("id", id)
                        .put("ttl", r.getTtl())
                        .put("granted_ttl", r.getGrantedTtl())
                        .put("header", Output.headerJson(r.getHeader()));
                if (keys) {
                    j.put("keys", ks).put("more_keys", r.getMoreKeys());
                }
                o.printJson(j);
            } else {
                o.println(
                        "lease " + id + " granted with TTL " + r.getGrantedTtl() + "s, remaining " + r.getTtl() + "s");
                if (keys) {
                    r.getKeysList().forEach(k -> o.println("  " + Output.text(k)));
                    if (r.getMoreKeys()) {
                        o.println("  (more keys)");
                    }
                }
            }
            return ExitCode.OK.code();
        }
    }
}
