package io.raftkv.node.security;

import com.google.protobuf.ByteString;
import io.raftkv.etcd.api.CampaignRequest;
import io.raftkv.etcd.api.Compare;
import io.raftkv.etcd.api.DeleteRangeRequest;
import io.raftkv.etcd.api.LeaderRequest;
import io.raftkv.etcd.api.ProclaimRequest;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.RequestOp;
import io.raftkv.etcd.api.ResignRequest;
import io.raftkv.etcd.api.TxnRequest;
import io.raftkv.etcd.api.WatchRequest;
import io.raftkv.etcd.api.lock.LockRequest;
import io.raftkv.etcd.api.lock.UnlockRequest;
import io.raftkv.node.security.CallPermissions.Kind;
import io.raftkv.node.security.CallPermissions.Need;
import io.raftkv.node.security.CallPermissions.Rule;
import java.util.List;
import java.util.Map;

/**
 * What etcd's v3 methods need, in RaftKV's roles, so that key-scoped bindings apply to etcd's API
 * as to RaftKV's own (etcd's model is the same: read for ranges and compares, write for puts and
 * deletes, on the keys touched):
 *
 * <ul>
 *   <li>KV: Range and Txn need read on some prefix, Put and DeleteRange write; each message's keys
 *       are then checked (a Txn's compares and ranges for read, its puts and deletes for write,
 *       nested Txns included); Compact is unscoped admin (it drops every key's history);</li>
 *   <li>Watch (each create request) read on its keys; Lease methods write on some prefix;</li>
 *   <li>v3lock: Lock needs write on the keys under its name, Unlock on its key; v3election:
 *       Campaign write under the name, Proclaim and Resign write on the leader key, Leader and
 *       Observe read under the name;</li>
 *   <li>Cluster MemberList and Maintenance Status read on some prefix; Authenticate needs no
 *       credentials (it is how a client gets them); everything else unscoped admin.</li>
 * </ul>
 *
 * etcd's ranges: an empty range_end is one key, {@code "\0"} every key from {@code key} on.
 */
final class EtcdPermissions {
    static final Map<String, Rule> RULES = Map.ofEntries(
            Map.entry("etcdserverpb.KV/Range", new Rule(Kind.KEYS, Role.READ)),
            Map.entry("etcdserverpb.KV/Txn", new Rule(Kind.KEYS, Role.READ)),
            Map.entry("etcdserverpb.KV/Put", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("etcdserverpb.KV/DeleteRange", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("etcdserverpb.KV/Compact", new Rule(Kind.ADMIN, Role.ADMIN)),
            Map.entry("etcdserverpb.Watch/Watch", new Rule(Kind.KEYS, Role.READ)),
            Map.entry("etcdserverpb.Lease/LeaseGrant", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("etcdserverpb.Lease/LeaseRevoke", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("etcdserverpb.Lease/LeaseKeepAlive", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("etcdserverpb.Lease/LeaseTimeToLive", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("etcdserverpb.Lease/LeaseLeases", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("v3lockpb.Lock/Lock", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("v3lockpb.Lock/Unlock", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("v3electionpb.Election/Campaign", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("v3electionpb.Election/Proclaim", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("v3electionpb.Election/Resign", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("v3electionpb.Election/Leader", new Rule(Kind.KEYS, Role.READ)),
            Map.entry("v3electionpb.Election/Observe", new Rule(Kind.KEYS, Role.READ)),
            Map.entry("etcdserverpb.Cluster/MemberList", new Rule(Kind.CLUSTER_READ, Role.READ)),
            Map.entry("etcdserverpb.Maintenance/Status", new Rule(Kind.CLUSTER_READ, Role.READ)),
            Map.entry("etcdserverpb.Auth/Authenticate", new Rule(Kind.PUBLIC, Role.READ)));

    private EtcdPermissions() {}

    /** The keys an etcd request touches and what it does to each; null for a message not of etcd's API. */
    static List<Need> needs(Object message) {
        if (message instanceof RangeRequest r) {
            return List.of(range(Role.READ, r.getKey(), r.getRangeEnd()));
        } else if (message instanceof PutRequest r) {
            return List.of(Need.key(Role.WRITE, r.getKey().toByteArray()));
        } else if (message instanceof DeleteRangeRequest r) {
            return List.of(range(Role.WRITE, r.getKey(), r.getRangeEnd()));
        } else if (message instanceof TxnRequest r) {
            java.util.ArrayList<Need> out = new java.util.ArrayList<>();
            txn(r, out);
            return out;
        } else if (message instanceof WatchRequest w) {
            return w.hasCreateRequest()
                    ? List.of(range(
                            Role.READ,
                            w.getCreateRequest().getKey(),
                            w.getCreateRequest().getRangeEnd()))
                    : List.of();
        } else if (message instanceof LockRequest r) {
            return List.of(under(Role.WRITE, r.getName()));
        } else if (message instanceof UnlockRequest r) {
            return List.of(Need.key(Role.WRITE, r.getKey().toByteArray()));
        } else if (message instanceof CampaignRequest r) {
            return List.of(under(Role.WRITE, r.getName()));
        } else if (message instanceof ProclaimRequest r) {
            return List.of(Need.key(Role.WRITE, r.getLeader().getKey().toByteArray()));
        } else if (message instanceof ResignRequest r) {
            return List.of(Need.key(Role.WRITE, r.getLeader().getKey().toByteArray()));
        } else if (message instanceof LeaderRequest r) {
            return List.of(under(Role.READ, r.getName()));
        }
        return null;
    }

    private static void txn(TxnRequest r, List<Need> out) {
        for (Compare c : r.getCompareList()) {
            out.add(range(Role.READ, c.getKey(), c.getRangeEnd()));
        }
        for (List<RequestOp> branch : List.of(r.getSuccessList(), r.getFailureList())) {
            for (RequestOp op : branch) {
                switch (op.getRequestCase()) {
                    case REQUEST_RANGE ->
                        out.add(range(
                                Role.READ,
                                op.getRequestRange().getKey(),
                                op.getRequestRange().getRangeEnd()));
                    case REQUEST_PUT ->
                        out.add(Need.key(Role.WRITE, op.getRequestPut().getKey().toByteArray()));
                    case REQUEST_DELETE_RANGE ->
                        out.add(range(
                                Role.WRITE,
                                op.getRequestDeleteRange().getKey(),
                                op.getRequestDeleteRange().getRangeEnd()));
                    case REQUEST_TXN -> txn(op.getRequestTxn(), out);
                    case REQUEST_NOT_SET -> {}
                }
            }
        }
    }

    /** etcd's [key, range_end): empty end is the key alone, {@code "\0"} every key from {@code key} on. */
    private static Need range(Role role, ByteString key, ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            return Need.key(role, key.toByteArray());
        }
        if (rangeEnd.size() == 1 && rangeEnd.byteAt(0) == 0) {
            return new Need(role, key.toByteArray(), new byte[0]);
        }
        return new Need(role, key.toByteArray(), rangeEnd.toByteArray());
    }

    /** Every key of a lock or election named {@code name}: those starting with {@code name + "/"}. */
    private static Need under(Role role, ByteString name) {
        byte[] prefix = name.concat(ByteString.copyFromUtf8("/")).toByteArray();
        byte[] end = RoleBindings.prefixEnd(prefix);
        return new Need(role, prefix, end == null ? new byte[0] : end);
    }
}
