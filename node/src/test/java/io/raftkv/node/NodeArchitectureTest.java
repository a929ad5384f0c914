package io.raftkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.raftkv.node.alarm.Alarms;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.etcd.EtcdServices;
import io.raftkv.node.storage.SnapshotChunk;
import io.raftkv.node.storage.SnapshotReader;
import io.raftkv.node.storage.StorageFailedException;
import io.raftkv.raft.arch.PackageRules;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The node's package rules (what {@link PackageRules} checks; each package's package-info.java says
 * the same in words). The server <-> state machine contract lives in {@code node.kv} (commands,
 * results, reads, {@code StateMachineView}): client-facing packages depend on it, not on
 * {@code node.storage}. The remaining debts are frozen one by one below, each with how to retire
 * it: until then they may stay, and nothing new of their kind may land. A new package needs a row
 * here; a row changes only when the design does (say why in the commit).
 */
class NodeArchitectureTest {
    @Test
    void packagesDependOnlyOnWhatTheirRowAllows() {
        PackageRules rules = PackageRules.of("NodeArchitectureTest", NodeMain.class)
                .allow("io.raftkv.node", "io.raftkv..")
                // The server <-> state machine contract, and the network (host:port, connection admission): below
                // everything else.
                .allow("io.raftkv.node.kv")
                .allow("io.raftkv.node.net")
                .allow("io.raftkv.node.storage", "io.raftkv.raft", "io.raftkv.node.kv")
                .allow(
                        "io.raftkv.node.driver",
                        "io.raftkv.raft",
                        "io.raftkv.raft.loop",
                        "io.raftkv.node.kv",
                        "io.raftkv.node.net",
                        "io.raftkv.node.storage",
                        "io.raftkv.node.transport")
                .allow(
                        "io.raftkv.node.transport",
                        "io.raftkv.raft",
                        "io.raftkv.api.peer.v1",
                        "io.raftkv.api.net",
                        "io.raftkv.node.net",
                        "io.raftkv.node.security")
                // Key scopes apply to etcd's API too (EtcdPermissions reads etcd's request messages).
                .allow("io.raftkv.node.security", "io.raftkv.api", "io.raftkv.api.v1", "io.raftkv.etcd.api..")
                .allow(
                        "io.raftkv.node.metrics",
                        "io.raftkv.raft",
                        "io.raftkv.node.driver",
                        "io.raftkv.node.kv",
                        "io.raftkv.node.storage",
                        "io.raftkv.node.transport",
                        "io.raftkv.node.alarm")
                // Alarms raise and disarm through the driver (RaftNodeApi) and are read by servers and metrics.
                .allow(
                        "io.raftkv.node.alarm",
                        "io.raftkv.api",
                        "io.raftkv.api.v1",
                        "io.raftkv.node.driver",
                        "io.raftkv.node.kv")
                // The corruption check proposes hash points, reads the members' hashes and raises CORRUPT.
                .allow(
                        "io.raftkv.node.corruption",
                        "io.raftkv.api",
                        "io.raftkv.node.driver",
                        "io.raftkv.node.metrics",
                        "io.raftkv.node.kv",
                        "io.raftkv.node.alarm")
                // Lease time is kept beside the driver: it follows leadership and proposes revocations.
                .allow("io.raftkv.node.lease", "io.raftkv.node.driver", "io.raftkv.node.metrics", "io.raftkv.node.kv")
                // Automatic compaction follows leadership and proposes Compact like the lease keeper.
                .allow(
                        "io.raftkv.node.compaction",
                        "io.raftkv.node.driver",
                        "io.raftkv.node.metrics",
                        "io.raftkv.node.kv")
                // Watchers read the state machine's history and changes (revisions are part of its contract).
                .allow("io.raftkv.node.watch", "io.raftkv.api.v1", "io.raftkv.node.kv", "io.raftkv.node.metrics")
                .allow("io.raftkv.node.k8s", "io.raftkv.node.driver", "io.raftkv.node.net", "io.raftkv.node.transport")
                .allow(
                        "io.raftkv.node.server",
                        "io.raftkv.api",
                        "io.raftkv.api.v1",
                        "io.raftkv.api.net",
                        "io.raftkv.raft",
                        "io.raftkv.node.driver",
                        "io.raftkv.node.kv",
                        "io.raftkv.node.net",
                        "io.raftkv.node.metrics",
                        "io.raftkv.node.security",
                        "io.raftkv.node.alarm",
                        "io.raftkv.node.lease",
                        "io.raftkv.node.watch")
                // etcd's API is served with the server's call rules (CallRunner, ReadPool, GrpcErrors...).
                // Its Alarm RPC and write refusals are RaftKV's alarms (node.alarm), as for the server; its
                // Watch and Lease are served by the member's WatchHub and LeaseKeeper, as RaftKV's own.
                .allow(
                        "io.raftkv.node.etcd",
                        "io.raftkv.api",
                        "io.raftkv.api.v1",
                        // The forwarder's client coalesces flushes as every other HTTP/2 connection.
                        "io.raftkv.api.net",
                        // A follower's forwarded Puts travel over the client library's pipelined streams.
                        "io.raftkv.api.client",
                        "io.raftkv.etcd.api..",
                        "io.raftkv.raft",
                        "io.raftkv.node.driver",
                        "io.raftkv.node.kv",
                        "io.raftkv.node.net",
                        "io.raftkv.node.metrics",
                        "io.raftkv.node.server",
                        // etcd's Auth and call permissions are the client port's (ClientPortSecurity).
                        "io.raftkv.node.security",
                        "io.raftkv.node.alarm",
                        // etcd's Watch, Lock and Election wait on the member's watchers; its Lease keeps time
                        // with the leader's LeaseKeeper.
                        "io.raftkv.node.watch",
                        "io.raftkv.node.lease");
        for (String servers : List.of("io.raftkv.node.server", "io.raftkv.node.etcd")) {
            rules.freeze(
                            servers,
                            SnapshotReader.class,
                            "the driver's SnapshotDownload hands the server a stream"
                                    + " of chunks typed in the contract package, not storage's reader")
                    .freeze(
                            servers,
                            SnapshotChunk.class,
                            "as SnapshotReader: the chunk type moves to the contract" + " package")
                    .freeze(
                            servers,
                            StorageFailedException.class,
                            "the driver reports a failed storage as a"
                                    + " RaftNodeException (UNAVAILABLE), so the error mapping needs no storage type");
        }
        rules.freeze(
                        "io.raftkv.node.server",
                        EtcdServices.class,
                        "ClientServer takes the services it hosts from"
                                + " NodeMain (the composition root) instead of building etcd's itself, so node.server does"
                                + " not know node.etcd, which is built on it")
                .freeze(
                        "io.raftkv.node.driver",
                        Alarms.class,
                        "NodeMain builds Alarms over the RaftNodeApi and"
                                + " hands it to the servers and metrics, instead of RaftNodeApi.alarms() and RaftDriver"
                                + " constructing it, so the driver does not know the package built on it")
                .freeze(
                        "io.raftkv.node.security",
                        NodeStatus.class,
                        "build PeerTls.Members from the driver's"
                                + " NodeStatus in NodeMain (the composition root), so security needs nothing of the driver")
                .check();
    }

    /** What the servers see of the driver names no storage class: the contract is {@code node.kv}. */
    @Test
    void raftNodeApiExposesNoStorageClass() {
        JavaClass api = new ClassFileImporter().importClasses(RaftNodeApi.class).get(RaftNodeApi.class);
        List<String> exposing = api.getMethods().stream()
                .filter(m -> Stream.concat(Stream.of(m.getReturnType()), m.getParameterTypes().stream())
                        .flatMap(t -> t.getAllInvolvedRawTypes().stream())
                        .anyMatch(t -> t.getPackageName().equals("io.raftkv.node.storage")))
                .map(m -> m.getName())
                .sorted()
                .toList();
        assertThat(exposing)
                .as("RaftNodeApi methods whose signature names a node.storage class (use node.kv's contract types)")
                .isEmpty();
    }
}
