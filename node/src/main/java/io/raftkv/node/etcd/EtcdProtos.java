package io.raftkv.node.etcd;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.raftkv.etcd.api.ResponseHeader;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.storage.KeyValue;

/**
 * Conversions from the node's types to etcd's messages. RaftKV's revision is the Raft log index of
 * the write (a transaction is one entry, so one revision, as in etcd); create/mod revision and
 * version come straight from the stored key. Revisions therefore increase with every write but are
 * not contiguous: leader no-ops and membership changes take log indexes too.
 */
final class EtcdProtos {
    private EtcdProtos() {
    }

    /** etcd's header: cluster and member id, the revision the answer reflects, the Raft term. */
    static ResponseHeader header(NodeStatus s, long revision) {
        return ResponseHeader.newBuilder()
                .setClusterId(s.clusterId())
                .setMemberId(s.id())
                .setRevision(revision)
                .setRaftTerm(s.term())
                .build();
    }

    /** mvccpb.KeyValue; values are wrapped, not copied (stored values are never mutated). */
    static io.raftkv.etcd.api.KeyValue keyValue(KeyValue kv, boolean keysOnly) {
        io.raftkv.etcd.api.KeyValue.Builder b = io.raftkv.etcd.api.KeyValue.newBuilder()
                .setKey(wrap(kv.key()))
                .setCreateRevision(kv.createRevision())
                .setModRevision(kv.modRevision())
                .setVersion(kv.version());
        if (!keysOnly) {
            b.setValue(wrap(kv.value()));
        }
        return b.build();
    }

    static ByteString wrap(byte[] bytes) {
        return UnsafeByteOperations.unsafeWrap(bytes);
    }
}
