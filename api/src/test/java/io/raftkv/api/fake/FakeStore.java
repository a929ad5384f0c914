package io.raftkv.api.fake;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.CompareAndSetResponse;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.raftkv.api.v1.DeleteResult;
import io.raftkv.api.v1.GetResult;
import io.raftkv.api.v1.Header;
import io.raftkv.api.v1.KeyValue;
import io.raftkv.api.v1.Member;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.PutResult;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.Session;
import io.raftkv.api.v1.TxnOp;
import io.raftkv.api.v1.TxnOpResult;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.api.v1.TxnResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The state shared by the nodes of a {@link FakeCluster}: a sorted map of keys, a log index, and
 * the session table that makes a retried session write apply once (as the real node must).
 * A test double for client tests only; accessed from one Vert.x event loop at a time, but guarded
 * by the instance monitor because tests read it from the JUnit thread (this is not Raft state).
 */
public final class FakeStore {
    private static final int MAX_KEY_BYTES = 4096;

    private final NavigableMap<ByteString, KeyValue> kv = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    private final Map<Long, SessionRecord> sessions = new HashMap<>();
    private final List<Member> members = new ArrayList<>();
    private final AtomicInteger writesApplied = new AtomicInteger();
    private long index;
    private long term = 1;

    private record SessionRecord(long seq, Object response) {}

    public synchronized int writesApplied() {
        return writesApplied.get();
    }

    public synchronized KeyValue peek(String key) {
        return kv.get(ByteString.copyFromUtf8(key));
    }

    public synchronized List<Member> members() {
        return List.copyOf(members);
    }

    public synchronized void setMembers(List<Member> list) {
        members.clear();
        members.addAll(list);
    }

    public synchronized long term() {
        return term;
    }

    synchronized Header header(long memberId) {
        return Header.newBuilder()
                .setClusterId(7)
                .setMemberId(memberId)
                .setTerm(term)
                .setRaftIndex(index)
                .build();
    }

    private final List<io.raftkv.api.v1.AlarmMember> alarms = new ArrayList<>();

    /** Raises {@code type} for {@code memberId}, as a node above its quota would. */
    public synchronized void raiseAlarm(io.raftkv.api.v1.AlarmType type, long memberId) {
        alarms.add(io.raftkv.api.v1.AlarmMember.newBuilder()
                .setType(type)
                .setMemberId(memberId)
                .build());
    }

    public synchronized List<io.raftkv.api.v1.AlarmMember> alarms() {
        return List.copyOf(alarms);
    }

    /** Clears the alarms of {@code r}'s type (unset: all) and member (0: all); returns those cleared. */
    public synchronized List<io.raftkv.api.v1.AlarmMember> disarm(io.raftkv.api.v1.AlarmDisarmRequest r) {
        List<io.raftkv.api.v1.AlarmMember> cleared = alarms.stream()
                .filter(a -> (r.getTypeValue() == 0 || a.getType() == r.getType())
                        && (r.getMemberId() == 0 || a.getMemberId() == r.getMemberId()))
                .toList();
        alarms.removeAll(cleared);
        return cleared;
    }

    synchronized PutResponse put(long memberId, PutRequest r) {
        checkKey(r.getKey());
        if (alarms.stream().anyMatch(a -> a.getType() == io.raftkv.api.v1.AlarmType.NOSPACE)) {
            throw RaftKvException.of(
                    io.raftkv.api.ErrorReason.NO_SPACE,
                    "NO_SPACE: the cluster's space quota alarm is active; writes that add data are refused");
        }
        return once(r.getSession(), () -> {
            KeyValue prev = write(r.getKey(), r.getValue());
            PutResponse.Builder b = PutResponse.newBuilder().setHeader(header(memberId));
            if (r.getPrevKv() && prev != null) {
                b.setPrevKv(prev);
            }
            return b.build();
        });
    }

    synchronized KeyValue get(ByteString key) {
        checkKey(key);
        return kv.get(key);
    }

    synchronized DeleteResponse delete(long memberId, DeleteRequest r) {
        checkKey(r.getKey());
        return once(r.getSession(), () -> {
            index++;
            writesApplied.incrementAndGet();
            KeyValue prev = kv.remove(r.getKey());
            DeleteResponse.Builder b =
                    DeleteResponse.newBuilder().setHeader(header(memberId)).setDeleted(prev == null ? 0 : 1);
            if (r.getPrevKv() && prev != null) {
                b.setPrevKv(prev);
            }
            return b.build();
        });
    }

    synchronized RangeResponse range(long memberId, RangeRequest r) {
        NavigableMap<ByteString, KeyValue> view = kv;
        if (r.hasInterval()) {
            ByteString start = r.getInterval().getStart();
            ByteString end = r.getInterval().getEnd();
            if (!end.isEmpty() && ByteString.unsignedLexicographicalComparator().compare(start, end) > 0) {
                throw RaftKvException.invalidArgument("range start is after range end");
            }
            view = end.isEmpty() ? kv.tailMap(start, true) : kv.subMap(start, true, end, false);
        }
        int limit = r.getLimit() == 0 ? 1000 : r.getLimit();
        if (limit > 1000) {
            throw RaftKvException.invalidArgument("limit " + limit + " exceeds the maximum of 1000");
        }
        RangeResponse.Builder b = RangeResponse.newBuilder().setHeader(header(memberId));
        for (KeyValue e : view.values()) {
            if (r.hasPrefix() && !e.getKey().startsWith(r.getPrefix())) {
                continue;
            }
            if (b.getKvsCount() == limit) {
                b.setMore(true);
                break;
            }
            b.addKvs(r.getKeysOnly() ? e.toBuilder().clearValue().build() : e);
        }
        return b.build();
    }

    synchronized CompareAndSetResponse compareAndSet(long memberId, CompareAndSetRequest r) {
        checkKey(r.getCompare().getKey());
        return once(r.getSession(), () -> {
            ByteString key = r.getCompare().getKey();
            boolean holds = holds(r.getCompare());
            CompareAndSetResponse.Builder b = CompareAndSetResponse.newBuilder().setSucceeded(holds);
            if (holds) {
                if (r.getAction() == CompareAndSetRequest.Action.DELETE) {
                    index++;
                    writesApplied.incrementAndGet();
                    kv.remove(key);
                } else {
                    write(key, r.getValue());
                }
            }
            KeyValue now = kv.get(key);
            if (now != null) {
                b.setKv(now);
            }
            return b.setHeader(header(memberId)).build();
        });
    }

    synchronized TxnResponse txn(long memberId, TxnRequest r) {
        return once(r.getSession(), () -> {
            boolean ok = r.getComparesList().stream().allMatch(this::holds);
            TxnResponse.Builder b = TxnResponse.newBuilder().setSucceeded(ok);
            for (TxnOp op : ok ? r.getSuccessList() : r.getFailureList()) {
                switch (op.getOpCase()) {
                    case PUT -> {
                        write(op.getPut().getKey(), op.getPut().getValue());
                        b.addResults(TxnOpResult.newBuilder().setPut(PutResult.getDefaultInstance()));
                    }
                    case DELETE -> {
                        KeyValue prev = kv.remove(op.getDelete().getKey());
                        b.addResults(TxnOpResult.newBuilder()
                                .setDelete(DeleteResult.newBuilder().setDeleted(prev == null ? 0 : 1)));
                    }
                    case GET -> {
                        GetResult.Builder g = GetResult.newBuilder();
                        KeyValue v = kv.get(op.getGet().getKey());
                        if (v != null) {
                            g.setKv(v);
                        }
                        b.addResults(TxnOpResult.newBuilder().setGet(g));
                    }
                    default -> throw RaftKvException.invalidArgument("empty txn op");
                }
            }
            return b.setHeader(header(memberId)).build();
        });
    }

    /** Snapshot data: every key and value, length-prefixed (format "fake-dump/1"). */
    synchronized byte[] dump() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (KeyValue e : kv.values()) {
            byte[] k = e.getKey().toByteArray();
            byte[] v = e.getValue().toByteArray();
            out.writeBytes(java.nio.ByteBuffer.allocate(8)
                    .putInt(k.length)
                    .putInt(v.length)
                    .array());
            out.writeBytes(k);
            out.writeBytes(v);
        }
        return out.toByteArray();
    }

    synchronized long index() {
        return index;
    }

    private boolean holds(Compare c) {
        KeyValue cur = kv.get(c.getKey());
        return switch (c.getTarget()) {
            case VALUE -> cur != null && cur.getValue().equals(c.getValue());
            case MOD_INDEX -> cur != null && cur.getModIndex() == c.getModIndex();
            case ABSENT -> cur == null;
            default -> throw RaftKvException.invalidArgument("compare target must be VALUE, MOD_INDEX or ABSENT");
        };
    }

    private KeyValue write(ByteString key, ByteString value) {
        index++;
        writesApplied.incrementAndGet();
        KeyValue prev = kv.get(key);
        KeyValue next = KeyValue.newBuilder()
                .setKey(key)
                .setValue(value)
                .setCreateIndex(prev == null ? index : prev.getCreateIndex())
                .setModIndex(index)
                .setVersion(prev == null ? 1 : prev.getVersion() + 1)
                .build();
        kv.put(key, next);
        return prev;
    }

    /** Forgets every session, as the node does for sessions idle longer than its expiry. */
    public synchronized void expireSessions() {
        sessions.clear();
    }

    /**
     * Applies a session write at most once, with the node's rules: a retry of the last sequence
     * number is answered from the record; an older number, or a number other than 1 for a session
     * the store does not know (new or expired), is refused and changes nothing.
     */
    @SuppressWarnings("unchecked")
    private <T> T once(Session s, Supplier<T> apply) {
        if (s.getClientId() == 0) {
            return apply.get();
        }
        SessionRecord rec = sessions.get(s.getClientId());
        if (rec == null && s.getSeq() != 1) {
            throw RaftKvException.of(
                    io.raftkv.api.ErrorReason.SESSION_SEQUENCE_STALE,
                    "session of client " + s.getClientId()
                            + " is unknown or expired; start a new session at sequence 1");
        }
        if (rec != null && s.getSeq() == rec.seq) {
            return (T) rec.response; // duplicate of the last applied write: answer, do not re-apply
        }
        if (rec != null && s.getSeq() < rec.seq) {
            throw RaftKvException.of(
                    io.raftkv.api.ErrorReason.SESSION_SEQUENCE_STALE,
                    "session seq " + s.getSeq() + " is older than the last applied " + rec.seq);
        }
        T response = apply.get();
        sessions.put(s.getClientId(), new SessionRecord(s.getSeq(), response));
        return response;
    }

    private static void checkKey(ByteString key) {
        if (key.isEmpty()) {
            throw RaftKvException.invalidArgument("key must not be empty");
        }
        if (key.size() > MAX_KEY_BYTES) {
            throw RaftKvException.invalidArgument(
                    "key of " + key.size() + " bytes exceeds the limit of " + MAX_KEY_BYTES + " bytes");
        }
    }
}
