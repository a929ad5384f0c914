package io.raftkv.node.security;

import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.TxnOp;
import io.raftkv.api.v1.TxnRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What each client method needs, in one table (deny by default: a method missing here needs
 * unscoped {@code admin}).
 *
 * <ul>
 *   <li>{@link Kind#PUBLIC}: {@code grpc.health.v1.Health} and server reflection, no credentials;</li>
 *   <li>{@link Kind#KEYS}: KV and Lease methods; the HTTP request needs the method's minimum role on some
 *       prefix, and each call's message then needs, key by key, a binding covering it
 *       ({@link #needs});</li>
 *   <li>{@link Kind#CLUSTER_READ}: Status, MemberList and Alarm/List, {@code read} on any prefix;</li>
 *   <li>{@link Kind#ADMIN}: membership changes, TransferLeadership, Snapshot and Alarm/Disarm: {@code admin}
 *       without a prefix.</li>
 * </ul>
 * etcd's v3 methods have their rows in {@link EtcdPermissions}.
 */
public final class CallPermissions {
    /** How a method is authorized. */
    public enum Kind {
        PUBLIC,
        KEYS,
        CLUSTER_READ,
        ADMIN
    }

    /** A method's rule: its kind and the least role that may call it at all. */
    public record Rule(Kind kind, Role minimum) {}

    /** One key range a call touches and what it does there. */
    public record Need(Role role, byte[] start, byte[] end) {
        /** A single key: {@code [key, key\0)}. */
        static Need key(Role role, byte[] key) {
            return new Need(role, key, Arrays.copyOf(key, key.length + 1));
        }
    }

    private static final Map<String, Rule> RULES = Map.ofEntries(
            Map.entry("raftkv.v1.KV/Get", new Rule(Kind.KEYS, Role.READ)),
            Map.entry("raftkv.v1.KV/Range", new Rule(Kind.KEYS, Role.READ)),
            Map.entry("raftkv.v1.KV/Put", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("raftkv.v1.KV/Delete", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("raftkv.v1.KV/CompareAndSet", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("raftkv.v1.KV/Txn", new Rule(Kind.KEYS, Role.READ)),
            Map.entry("raftkv.v1.KV/Pipeline", new Rule(Kind.KEYS, Role.READ)),
            // Leases touch no key themselves (a put attaches one, checked as a put): write on some prefix.
            Map.entry("raftkv.v1.Lease/Grant", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("raftkv.v1.Lease/Revoke", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("raftkv.v1.Lease/KeepAlive", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("raftkv.v1.Lease/TimeToLive", new Rule(Kind.KEYS, Role.WRITE)),
            Map.entry("raftkv.v1.Lease/Leases", new Rule(Kind.KEYS, Role.WRITE)),
            // Each create request is checked like a Range of its keys.
            Map.entry("raftkv.v1.Watch/Watch", new Rule(Kind.KEYS, Role.READ)),
            // Compaction removes history of every key: unscoped admin, as in etcd.
            Map.entry("raftkv.v1.KV/Compact", new Rule(Kind.ADMIN, Role.ADMIN)),
            Map.entry("raftkv.v1.Cluster/Status", new Rule(Kind.CLUSTER_READ, Role.READ)),
            Map.entry("raftkv.v1.Cluster/MemberList", new Rule(Kind.CLUSTER_READ, Role.READ)),
            Map.entry("raftkv.v1.Cluster/AddLearner", new Rule(Kind.ADMIN, Role.ADMIN)),
            Map.entry("raftkv.v1.Cluster/PromoteMember", new Rule(Kind.ADMIN, Role.ADMIN)),
            Map.entry("raftkv.v1.Cluster/RemoveMember", new Rule(Kind.ADMIN, Role.ADMIN)),
            Map.entry("raftkv.v1.Cluster/TransferLeadership", new Rule(Kind.ADMIN, Role.ADMIN)),
            Map.entry("raftkv.v1.Cluster/Snapshot", new Rule(Kind.ADMIN, Role.ADMIN)),
            Map.entry("raftkv.v1.Alarm/List", new Rule(Kind.CLUSTER_READ, Role.READ)),
            Map.entry("raftkv.v1.Alarm/Disarm", new Rule(Kind.ADMIN, Role.ADMIN)));

    private static final Rule PUBLIC = new Rule(Kind.PUBLIC, Role.READ);
    private static final Rule UNLISTED = new Rule(Kind.ADMIN, Role.ADMIN);

    private CallPermissions() {}

    /** The rule of gRPC method {@code method} ({@code package.Service/Method}, no leading slash). */
    public static Rule of(String method) {
        if (method.startsWith("grpc.health.v1.Health/") || method.startsWith("grpc.reflection.")) {
            return PUBLIC;
        }
        Rule etcd = EtcdPermissions.RULES.get(method);
        return etcd != null ? etcd : RULES.getOrDefault(method, UNLISTED);
    }

    /** The keys a KV request touches and what it does to each (empty for any other message). */
    public static List<Need> needs(Object message) {
        List<Need> etcd = EtcdPermissions.needs(message);
        if (etcd != null) {
            return etcd;
        }
        List<Need> out = new ArrayList<>();
        if (message instanceof GetRequest r) {
            out.add(Need.key(Role.READ, r.getKey().toByteArray()));
        } else if (message instanceof PutRequest r) {
            out.add(Need.key(Role.WRITE, r.getKey().toByteArray()));
        } else if (message instanceof DeleteRequest r) {
            byte[] key = r.getKey().toByteArray();
            if (r.getPrefix()) {
                byte[] end = RoleBindings.prefixEnd(key);
                out.add(new Need(Role.WRITE, key, end == null ? new byte[0] : end));
            } else if (!r.getRangeEnd().isEmpty()) {
                out.add(new Need(Role.WRITE, key, r.getRangeEnd().toByteArray()));
            } else {
                out.add(Need.key(Role.WRITE, key));
            }
        } else if (message instanceof CompareAndSetRequest r) {
            out.add(Need.key(Role.WRITE, r.getCompare().getKey().toByteArray()));
        } else if (message instanceof RangeRequest r) {
            out.add(range(r));
        } else if (message instanceof io.raftkv.api.v1.WatchCreateRequest w) {
            byte[] key = w.getKey().toByteArray();
            if (w.getPrefix()) {
                byte[] end = RoleBindings.prefixEnd(key);
                out.add(new Need(Role.READ, key, end == null ? new byte[0] : end));
            } else if (!w.getRangeEnd().isEmpty()) {
                out.add(new Need(Role.READ, key, w.getRangeEnd().toByteArray()));
            } else {
                out.add(Need.key(Role.READ, key));
            }
        } else if (message instanceof TxnRequest r) {
            for (Compare c : r.getComparesList()) {
                out.add(Need.key(Role.READ, c.getKey().toByteArray()));
            }
            r.getSuccessList().forEach(op -> out.add(need(op)));
            r.getFailureList().forEach(op -> out.add(need(op)));
        }
        return out;
    }

    private static Need range(RangeRequest r) {
        return switch (r.getSelectorCase()) {
            case PREFIX -> {
                byte[] prefix = r.getPrefix().toByteArray();
                byte[] end = RoleBindings.prefixEnd(prefix);
                yield new Need(Role.READ, prefix, end == null ? new byte[0] : end);
            }
            case INTERVAL ->
                new Need(
                        Role.READ,
                        r.getInterval().getStart().toByteArray(),
                        r.getInterval().getEnd().toByteArray());
            case SELECTOR_NOT_SET -> new Need(Role.READ, new byte[0], new byte[0]);
        };
    }

    private static Need need(TxnOp op) {
        return switch (op.getOpCase()) {
            case PUT -> Need.key(Role.WRITE, op.getPut().getKey().toByteArray());
            case DELETE -> Need.key(Role.WRITE, op.getDelete().getKey().toByteArray());
            case GET, OP_NOT_SET -> Need.key(Role.READ, op.getGet().getKey().toByteArray());
        };
    }
}
