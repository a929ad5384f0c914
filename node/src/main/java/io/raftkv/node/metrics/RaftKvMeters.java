package io.raftkv.node.metrics;

/**
 * Every meter the node publishes: its name (Micrometer dot notation; Prometheus sees it with dots
 * turned into underscores and a unit suffix such as {@code _seconds} or {@code _total}) and the
 * description that becomes its {@code # HELP} line. Dashboards and alerts depend on these names:
 * renaming one is a breaking change for operators, so add new meters instead.
 *
 * <p>Tag keys are listed with each meter. Tag values are drawn from small closed sets (roles, gRPC
 * codes, method names) or from member ids, so the number of series stays bounded by the cluster
 * size.
 */
public final class RaftKvMeters {
    private RaftKvMeters() {}

    /** A meter's name and its HELP text. */
    public record Meter(String name, String description) {}

    // ---- Raft state (sampled from RaftNodeApi.status()) ----

    public static final Meter TERM = new Meter("raftkv.raft.term", "Current Raft term of this node.");
    /** Tag {@code role}: follower, pre_candidate, candidate, leader. */
    public static final Meter ROLE =
            new Meter("raftkv.raft.role", "1 for the Raft role this node is in now, 0 for the others.");

    public static final Meter LEARNER =
            new Meter("raftkv.raft.learner", "1 when this node is a non-voting member (learner), else 0.");
    public static final Meter LEADER_ID = new Meter(
            "raftkv.raft.leader.id",
            "Member id of the leader this node knows of in the current term, 0 when none is known.");
    public static final Meter HAS_LEADER =
            new Meter("raftkv.raft.has.leader", "1 when this node knows a leader in its current term, else 0.");
    public static final Meter LEADER_CHANGES = new Meter(
            "raftkv.raft.leader.changes",
            "Leader changes seen by this node: counted by the Raft driver each time the leader it knows"
                    + " becomes a different, non-zero member (the first leader after start counts as one).");
    public static final Meter COMMIT_INDEX =
            new Meter("raftkv.raft.commit.index", "Highest log index known to be committed.");
    public static final Meter APPLIED_INDEX =
            new Meter("raftkv.raft.applied.index", "Highest log index applied to the key-value state machine.");
    public static final Meter LAST_INDEX = new Meter("raftkv.raft.last.index", "Last index in the local log.");
    public static final Meter SNAPSHOT_INDEX = new Meter(
            "raftkv.raft.snapshot.index",
            "Index of the latest durable snapshot (the log compaction point), 0 if none.");
    /** Tag {@code role}: voter, learner. */
    public static final Meter MEMBERS =
            new Meter("raftkv.raft.members", "Members of the configuration in force, by role.");
    /** Tag {@code peer}: the follower's member id. Published on the leader only. */
    public static final Meter FOLLOWER_LAG = new Meter(
            "raftkv.raft.follower.lag.entries", "On the leader: leader's last index minus the follower's match index.");

    public static final Meter READY = new Meter(
            "raftkv.node.ready",
            "1 when the node is a member of a cluster with a known leader (the readiness signal), else 0.");
    /** Tag {@code type}: the alarm type, lower case (e.g. {@code nospace}). */
    public static final Meter ALARM_ACTIVE = new Meter(
            "raftkv.alarm.active",
            "Members for which the cluster-wide alarm of this type is active (replicated; 0 when none).");

    public static final Meter QUOTA_BYTES = new Meter(
            "raftkv.quota.backend.bytes",
            "This node's space quota of state machine data in bytes (--quota-backend-bytes; 0: none).");
    public static final Meter QUOTA_DATA_BYTES = new Meter(
            "raftkv.quota.data.bytes",
            "This node's state machine data as the space quota counts it (live SST files and memtables).");
    public static final Meter HEALTHY = new Meter(
            "raftkv.node.healthy",
            "1 while storage is healthy and the node is not stopping (the liveness signal), else 0.");

    // ---- Proposals (recorded by the client server around RaftNodeApi.propose) ----

    /** Tag {@code kind}: put, delete, compare_and_set, txn. */
    public static final Meter LEASE_READS = new Meter(
            "raftkv.lease.reads",
            "LEASE reads issued, by path: lease (answered from the leader's lease, no round trip) or"
                    + " read_index (fallback: not the leader, no lease held, or a transfer in progress).");

    public static final Meter PROPOSALS = new Meter(
            "raftkv.proposals", "Client writes proposed to Raft on this node (every attempt, whatever its outcome).");
    /** Tag {@code reason}: the failure's gRPC-level code, e.g. not_leader, unavailable, resource_exhausted. */
    public static final Meter PROPOSAL_FAILURES =
            new Meter("raftkv.proposals.failed", "Client writes whose proposal failed, by reason.");

    public static final Meter PROPOSALS_PENDING =
            new Meter("raftkv.proposals.pending", "Client writes proposed on this node and not yet applied or failed.");
    public static final Meter PROPOSAL_DURATION = new Meter(
            "raftkv.proposal.duration",
            "Time from proposing a client write until it was committed and applied on this node"
                    + " (successful proposals only).");

    // ---- Client RPCs (recorded by the client server) ----

    /** Tags {@code method} (e.g. raftkv.v1.KV/Put) and {@code code} (gRPC status name). */
    public static final Meter CLIENT_REQUESTS = new Meter(
            "raftkv.client.requests", "Client gRPC calls served on the client port, by method and final gRPC status.");

    public static final Meter CLIENT_IN_FLIGHT =
            new Meter("raftkv.client.inflight", "Client gRPC calls received and not yet answered.");
    public static final Meter CLIENT_PIPELINE_STREAMS = new Meter(
            "raftkv.client.pipeline.streams", "KV.Pipeline streams open on the client port (each carries many calls).");
    // ---- leases ----

    public static final Meter LEASES = new Meter(
            "raftkv.leases", "Leases in this node's applied state (every member holds the replicated table).");
    public static final Meter LEASE_GRANTS =
            new Meter("raftkv.lease.grants", "Leases granted through this node (Lease.Grant calls it answered OK).");
    public static final Meter LEASE_REVOCATIONS = new Meter(
            "raftkv.lease.revocations",
            "Leases revoked by clients through this node (Lease.Revoke calls it answered OK).");
    public static final Meter LEASE_EXPIRATIONS = new Meter(
            "raftkv.lease.expirations",
            "Leases this node, as leader, expired: revocations it proposed because a TTL ran out on its"
                    + " clock, counted once applied.");
    public static final Meter LEASE_KEEPALIVES = new Meter(
            "raftkv.lease.keepalives",
            "Lease renewals this node answered as leader (Lease.KeepAlive requests, renewed or not).");
    public static final Meter CLIENT_UNWRITTEN_RESPONSE_BYTES = new Meter(
            "raftkv.client.unwritten.response.bytes",
            "Bytes of responses handed to client connections and not yet written to their sockets.");

    // ---- Storage (from the group-commit writer's stats and RocksDB properties) ----

    public static final Meter FSYNCS = new Meter(
            "raftkv.storage.fsyncs",
            "Synced RocksDB WriteBatches written by the group-commit writer (one fsync each).");
    public static final Meter ENTRIES_WRITTEN =
            new Meter("raftkv.storage.entries.written", "Raft log entries made durable by the group-commit writer.");
    public static final Meter BYTES_WRITTEN =
            new Meter("raftkv.storage.written", "Bytes handed to RocksDB by the group-commit writer.");
    public static final Meter ENTRIES_PER_FSYNC = new Meter(
            "raftkv.storage.entries.per.fsync",
            "Mean Raft log entries made durable per fsync since start (the group-commit factor).");
    public static final Meter FSYNC_DURATION = new Meter(
            "raftkv.storage.fsync.duration",
            "Latency of one synced RocksDB WriteBatch of the Raft log (the write plus its fsync).");
    public static final Meter WRITER_QUEUE_DEPTH =
            new Meter("raftkv.storage.writer.queue.depth", "Persist requests waiting for the group-commit writer.");
    public static final Meter STORAGE_FAILED = new Meter(
            "raftkv.storage.failed",
            "1 once the storage error latch has tripped (the node then refuses to acknowledge writes).");
    public static final Meter DB_SIZE = new Meter(
            "raftkv.storage.rocksdb.size",
            "Bytes the storage occupies on disk (Raft log, state machine, WAL, snapshots; hard links"
                    + " counted once): the space allocated on the volume.");
    public static final Meter DB_SIZE_IN_USE = new Meter(
            "raftkv.storage.rocksdb.size.in.use",
            "RocksDB's estimate of the live data of the key-value state machine: what the data would"
                    + " occupy after a full compaction.");
    public static final Meter KEYS =
            new Meter("raftkv.storage.keys", "RocksDB's estimate of the number of keys in the key-value store.");
    public static final Meter PENDING_COMPACTION = new Meter(
            "raftkv.storage.rocksdb.pending.compaction", "Bytes RocksDB estimates compaction still has to rewrite.");

    // ---- Raft driver (recorded where it happens, see DriverMetrics) ----

    public static final Meter APPLY_DURATION = new Meter(
            "raftkv.apply.duration",
            "Time the apply thread took to apply one batch of committed entries to the state machine.");
    public static final Meter SLOW_APPLIES = new Meter(
            "raftkv.apply.slow", "Apply batches that took longer than 100 ms (etcd's apply warning threshold).");
    public static final Meter READ_INDEX_DURATION = new Meter(
            "raftkv.read.index.duration",
            "Time for a linearizable read's ReadIndex barrier: from arrival until the read index is"
                    + " confirmed by a quorum and applied locally (successful barriers only).");
    public static final Meter PERSIST_DURATION = new Meter(
            "raftkv.raft.persist.duration",
            "Time for a Ready's writes (log entries, hard state) to become durable: from hand-over to the"
                    + " log writer until the fsync returned (queueing included).");
    public static final Meter SLOW_PERSISTS = new Meter(
            "raftkv.raft.slow.persists",
            "Readys whose writes took longer than half the minimum election timeout to become durable.");
    public static final Meter LOOP_STALLS = new Meter(
            "raftkv.raft.loop.stalls",
            "Raft ticks that ran later than half the minimum election timeout (GC pause, CPU"
                    + " starvation or blocking work on the Raft event loop).");
    /** Tags {@code version}, {@code commit}, {@code jvm}. */
    public static final Meter BUILD_INFO =
            new Meter("raftkv.build.info", "Always 1; the labels say which build of the node runs and on which JVM.");

    // ---- Peer transport ----

    /** Tags {@code peer} (member id) and {@code outcome} (ok, error). */
    public static final Meter PEER_RPC_DURATION =
            new Meter("raftkv.peer.rpc.duration", "Latency of Raft message batches sent to a peer, by outcome.");
    /** Tag {@code peer}. Published on the leader (the sender of heartbeats). */
    public static final Meter PEER_ROUND_TRIP = new Meter(
            "raftkv.peer.round.trip.time",
            "Time from sending a heartbeat to a peer until its heartbeat response arrived.");
    /** Tag {@code peer}. */
    public static final Meter PEER_RPC_ERRORS = new Meter(
            "raftkv.peer.rpc.errors",
            "Raft message batches to a peer that failed (timeout, connection error, rejection).");

    public static final Meter PEER_MESSAGES_SENT =
            new Meter("raftkv.peer.messages.sent", "Raft messages handed to the peer transport for sending.");
    public static final Meter PEER_MESSAGES_DROPPED = new Meter(
            "raftkv.peer.messages.dropped",
            "Raft messages dropped by the peer transport (queue full or peer unreachable);"
                    + " Raft retransmits what matters.");
    public static final Meter PEER_STREAMS_OPENED = new Meter(
            "raftkv.peer.streams.opened",
            "Message streams opened to peers; one per peer while connections stay healthy, more after"
                    + " failures (a missed ack deadline, a reset, a restarted peer).");
    public static final Meter PEER_BATCHES_RECEIVED =
            new Meter("raftkv.peer.batches.received", "Raft message batches received from peers.");
    public static final Meter PEER_BATCHES_REJECTED = new Meter(
            "raftkv.peer.batches.rejected",
            "Raft message batches from peers that were rejected (wrong cluster, malformed, overloaded).");

    // ---- Snapshots ----

    /** Tags {@code kind} (created, sent, received, downloaded) and {@code outcome} (ok, error). */
    public static final Meter SNAPSHOT_DURATION = new Meter(
            "raftkv.snapshot.duration", "Time to create, send, receive or download a snapshot, by kind and outcome.");
    /** Tag {@code kind}. */
    public static final Meter SNAPSHOT_BYTES = new Meter(
            "raftkv.snapshot.transferred",
            "Snapshot data bytes created, sent, received or downloaded, by kind (successful only).");
    /** Tag {@code direction}: sent, received; {@code outcome}: ok, error. */
    public static final Meter PEER_SNAPSHOTS = new Meter(
            "raftkv.peer.snapshots",
            "Snapshots streamed to or from peers (InstallSnapshot), by direction and outcome.");
    /** Tag {@code direction}. */
    public static final Meter PEER_SNAPSHOT_BYTES =
            new Meter("raftkv.peer.snapshot.transferred", "Snapshot bytes streamed to or from peers.");

    // ---- Revisions and watch (the watch hub) ----

    public static final Meter REVISION = new Meter(
            "raftkv.mvcc.revision",
            "The store revision of this member's applied state (dense: +1 per entry that changed keys).");
    public static final Meter COMPACT_REVISION =
            new Meter("raftkv.mvcc.compact.revision", "The compact revision: reads and watches below it are refused.");
    public static final Meter CORRUPTION_CHECKS = new Meter(
            "raftkv.corruption.checks",
            "Corruption checks this member ran as leader, by result: equal (every member's state hash equal),"
                    + " mismatch (CORRUPT raised), incomplete (a member did not answer, or the check failed).");
    public static final Meter CORRUPTION_MISMATCHES = new Meter(
            "raftkv.corruption.mismatches",
            "Corruption checks (run by this member as leader) that found member {member}'s state hash different"
                    + " from the others' at the same applied index; the CORRUPT alarm is raised for it.");
    public static final Meter AUTO_COMPACTIONS = new Meter(
            "raftkv.mvcc.auto.compactions",
            "Compactions this member proposed as leader for --auto-compaction-mode/retention, counted once applied.");
    public static final Meter AUTO_COMPACTION_FAILURES = new Meter(
            "raftkv.mvcc.auto.compaction.failures",
            "Automatic compactions this member proposed that failed or were refused (tried again later).");
    public static final Meter WATCHERS = new Meter("raftkv.watch.watchers", "Watchers open on this member.");
    public static final Meter WATCH_STREAMS =
            new Meter("raftkv.watch.streams", "Watch streams with at least one watcher created on this member.");
    public static final Meter WATCH_EVENTS =
            new Meter("raftkv.watch.events.sent", "Events sent to watchers (one per change per watcher).");
    public static final Meter WATCH_SLOW_CANCELED = new Meter(
            "raftkv.watch.slow.canceled",
            "Watchers canceled because their stream's client did not read (over --watch-stream-buffer-bytes).");
}
