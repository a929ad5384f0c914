package io.raftkv.node.it;

import io.raftkv.api.client.BlockingRaftKvClient;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.ReadConsistency;

/** What the lease tests ({@link LeaseClusterTest}, {@link LeaseFailoverTest}) write and read. */
final class LeaseKeys {
    private LeaseKeys() {}

    /** Whether {@code key} exists, read linearizably. */
    static boolean exists(BlockingRaftKvClient kv, String key) {
        return kv.get(GetRequest.newBuilder()
                        .setKey(RaftKvClient.utf8(key))
                        .setConsistency(ReadConsistency.LINEARIZABLE)
                        .build())
                .hasKv();
    }

    /** Puts {@code key} = "v" attached to {@code lease}. */
    static void putWithLease(BlockingRaftKvClient kv, String key, long lease) {
        kv.put(PutRequest.newBuilder()
                .setKey(RaftKvClient.utf8(key))
                .setValue(RaftKvClient.utf8("v"))
                .setLease(lease)
                .build());
    }
}
