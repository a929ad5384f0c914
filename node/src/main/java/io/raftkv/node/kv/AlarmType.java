package io.raftkv.node.kv;

import io.raftkv.node.kv.Command.CompareAndSet;
import io.raftkv.node.kv.Command.Operation;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.Command.Txn;

/**
 * The kinds of cluster-wide alarm. An alarm is replicated state: it is raised and cleared by
 * {@link Command.Alarm} entries through the Raft log, so every member agrees on which alarms are
 * active at every log index ({@link ActiveAlarms}), and the state machine refuses the commands an
 * active alarm forbids at apply time, identically on every replica ({@link #refuses}).
 *
 * <p>The {@link #code()} of each type is written in log entries and in the state machine: never
 * change or reuse one. The codes follow etcd's {@code AlarmType} ({@code NOSPACE = 1},
 * {@code CORRUPT = 2}), so an etcd-compatible Alarm RPC can map them one to one.
 *
 * <p><b>How to add a type</b> (for example {@code CORRUPT}):
 * <ol>
 *   <li>Append a constant with the next unused code and a one-line description (shown by
 *       {@code raftkvctl alarm list}, Status and the metrics' {@code type} label).</li>
 *   <li>Say in {@link #refuses} which commands the state machine must refuse while it is active
 *       (they are answered {@link ApplyResult.Status#ALARM}); return false to refuse nothing at
 *       apply time. Refusing reads, if the type needs it, is the client servers' job: they can ask
 *       {@code io.raftkv.node.alarm.Alarms#active(AlarmType)}.</li>
 *   <li>Raise it with {@code Alarms#raise(AlarmType)} from whatever detects the condition, and let
 *       an admin clear it with {@code Alarms#disarm} (or {@code raftkvctl alarm disarm}). If the
 *       condition can be re-checked before a disarm is accepted, add that check to
 *       {@code Alarms#disarm} the way NOSPACE checks the quota.</li>
 *   <li>Add the proto enum value with the same number in {@code raftkv/v1/alarm.proto}.</li>
 * </ol>
 * Nodes built before a type existed refuse entries that carry it as malformed; finish a rolling
 * upgrade before anything raises a new type.
 */
public enum AlarmType {
    /**
     * A member's state machine outgrew its space quota ({@code --quota-backend-bytes}). While
     * active, commands that can add data are refused; reads and deletes still work, so users can
     * free space.
     */
    NOSPACE(1, "a member's state machine is above its space quota: writes that add data are refused"),
    /**
     * A member's state differs from the others' at the same applied index (the corruption check,
     * {@code io.raftkv.node.alarm.CorruptionCheck}); the alarm names that member. While active,
     * every client write is refused (etcd refuses writes while its CORRUPT alarm is active):
     * a replica that diverged must not take part in more writes until it is replaced or an admin
     * disarms the alarm. Reads keep working. The leader's lease expiries and the hash checks
     * themselves still apply, so leases do not outlive their TTL and the check can be repeated.
     */
    CORRUPT(2, "a member's state differs from the other members' at the same applied index: writes are refused");

    private final int code;
    private final String description;

    AlarmType(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The stable wire and storage code (1..255). */
    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    /** The type with {@code code}; throws {@link IllegalArgumentException} for an unknown one. */
    public static AlarmType ofCode(int code) {
        for (AlarmType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown alarm type " + code);
    }

    /**
     * Whether the state machine refuses {@code op} while this alarm is active. Deterministic: it
     * looks only at the command. Alarm commands themselves are never refused.
     */
    public boolean refuses(Operation op) {
        return switch (this) {
            case NOSPACE -> addsData(op);
            case CORRUPT ->
                !(op instanceof Command.Alarm
                        || op instanceof Command.HashCheck
                        || (op instanceof Command.LeaseRevoke r && r.expired()));
        };
    }

    /**
     * Whether {@code op} may add data: a Put, a CompareAndSet that writes a value, a Txn with a put
     * in either branch (like etcd, which charges a transaction for every put it may run), a lease
     * grant (etcd refuses LeaseGrant under NOSPACE too). Revokes free space and pass.
     */
    static boolean addsData(Operation op) {
        if (op instanceof Put || op instanceof Command.LeaseGrant) {
            return true;
        }
        if (op instanceof CompareAndSet c) {
            return c.newValue() != null;
        }
        if (op instanceof NestedTxn n) {
            return n.mayPut();
        }
        if (op instanceof Txn t) {
            return t.onSuccess().stream().anyMatch(o -> o instanceof Put)
                    || t.onFailure().stream().anyMatch(o -> o instanceof Put);
        }
        return false;
    }
}
