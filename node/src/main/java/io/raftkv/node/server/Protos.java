package io.raftkv.node.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.raftkv.api.v1.DeleteResult;
import io.raftkv.api.v1.FollowerProgress;
import io.raftkv.api.v1.GetResult;
import io.raftkv.api.v1.Header;
import io.raftkv.api.v1.Member;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.PutResult;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.TxnOpResult;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.KeyValue;
import java.util.List;
import java.util.Locale;

/** Conversions from the node's types to the wire messages (no validation, no I/O). */
final class Protos {
    private Protos() {}

    /**
     * The header of every response.
     *
     * @param raftIndex for a write the entry's index, for a read the applied index it observed
     * @param revision  the store revision the response reflects
     */
    static Header header(NodeStatus s, long raftIndex, long revision) {
        return Header.newBuilder()
                .setClusterId(s.clusterId())
                .setMemberId(s.id())
                .setTerm(s.term())
                .setRaftIndex(raftIndex)
                .setRevision(revision)
                .build();
    }

    /** The header of a response that reads no key-value state (cluster management): revision 0. */
    static Header header(NodeStatus s, long raftIndex) {
        return header(s, raftIndex, 0);
    }

    /** The wire form of {@code kv}; values are wrapped, not copied (stored values are never mutated). */
    static io.raftkv.api.v1.KeyValue keyValue(KeyValue kv, boolean keysOnly) {
        io.raftkv.api.v1.KeyValue.Builder b = io.raftkv.api.v1.KeyValue.newBuilder()
                .setKey(wrap(kv.key()))
                .setCreateIndex(kv.createRevision())
                .setModIndex(kv.modRevision())
                .setCreateRevision(kv.createRevision())
                .setModRevision(kv.modRevision())
                .setVersion(kv.version())
                .setLease(kv.lease());
        if (!keysOnly) {
            b.setValue(wrap(kv.value()));
        }
        return b.build();
    }

    /** The wire form of one transaction op's outcome. */
    static TxnOpResult txnOpResult(ApplyResult.TxnOpResult op) {
        TxnOpResult.Builder b = TxnOpResult.newBuilder();
        if (op instanceof ApplyResult.PutOutcome) {
            b.setPut(PutResult.getDefaultInstance());
        } else if (op instanceof ApplyResult.DeleteOutcome d) {
            b.setDelete(DeleteResult.newBuilder().setDeleted(d.deleted() ? 1 : 0));
        } else if (op instanceof ApplyResult.DeleteRangeOutcome d) {
            b.setDelete(DeleteResult.newBuilder().setDeleted(d.deleted()));
        } else {
            KeyValue kv = ((ApplyResult.GetOutcome) op).keyValue();
            GetResult.Builder g = GetResult.newBuilder();
            if (kv != null) {
                g.setKv(keyValue(kv, false));
            }
            b.setGet(g);
        }
        return b.build();
    }

    private static ByteString wrap(byte[] bytes) {
        return UnsafeByteOperations.unsafeWrap(bytes);
    }

    static Role role(NodeStatus s) {
        return switch (s.role()) {
            case FOLLOWER -> Role.FOLLOWER;
            case PRE_CANDIDATE -> Role.PRE_CANDIDATE;
            case CANDIDATE -> Role.CANDIDATE;
            case LEADER -> Role.LEADER;
        };
    }

    static Member member(NodeStatus.Member m) {
        return Member.newBuilder()
                .setId(m.id())
                .setRole(m.learner() ? MemberRole.LEARNER : MemberRole.VOTER)
                .setPeerAddress(m.peerAddress())
                .setClientAddress(m.clientAddress())
                .build();
    }

    static List<Member> members(NodeStatus s) {
        return s.members().stream().map(Protos::member).toList();
    }

    static FollowerProgress progress(NodeStatus.FollowerLag f) {
        return FollowerProgress.newBuilder()
                .setId(f.id())
                .setMatchIndex(f.matchIndex())
                .setNextIndex(f.nextIndex())
                .setLag(f.lag())
                .setState(f.state().name().toLowerCase(Locale.ROOT))
                .setRecentActive(f.recentActive())
                .setLearner(f.learner())
                .build();
    }
}
