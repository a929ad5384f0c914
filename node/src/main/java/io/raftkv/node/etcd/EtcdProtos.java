package io.raftkv.node.etcd;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.raftkv.etcd.api.ResponseHeader;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.kv.KeyValue;

/**
 * Conversions from the node's types to etcd's messages. RaftKV's store revision is etcd's: 1 for
 * the empty store, +1 for every entry that changes keys (a transaction is one revision); create/mod
 * revision, version and lease come straight from the stored key.
 */
final class EtcdProtos {
    private EtcdProtos() {}

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
                .setVersion(kv.version())
                .setLease(kv.lease());
        if (!keysOnly) {
            b.setValue(wrap(kv.value()));
        }
        return b.build();
    }

    static ByteString wrap(byte[] bytes) {
        return UnsafeByteOperations.unsafeWrap(bytes);
    }
}
