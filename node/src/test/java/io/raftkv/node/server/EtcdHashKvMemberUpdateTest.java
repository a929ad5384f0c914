package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.raftkv.etcd.api.ClusterGrpcClient;
import io.raftkv.etcd.api.CompactionRequest;
import io.raftkv.etcd.api.HashKVRequest;
import io.raftkv.etcd.api.HashKVResponse;
import io.raftkv.etcd.api.KVGrpcClient;
import io.raftkv.etcd.api.MaintenanceGrpcClient;
import io.raftkv.etcd.api.MemberUpdateRequest;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.node.kv.KvReader;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's HashKV at a past revision (a digest of the keyspace's history up to it, with the compact
 * revision; etcd's errors at or before the compact revision and after the current one) and
 * MemberUpdate (answered for the address a member has, UNIMPLEMENTED for another), against a real
 * state machine.
 */
class EtcdHashKvMemberUpdateTest {
    @TempDir
    Path dir;

    private SingleNodeLog log;
    private ClientServerFixture f;

    @BeforeEach
    void start() {
        log = new SingleNodeLog(dir);
        f = new ClientServerFixture(ServerLimits.defaults(), KvReader.of(log::stateMachine));
        f.node.onPropose = log::apply;
    }

    @AfterEach
    void stop() {
        f.close();
        log.close();
    }

    private long put(String k, String v) {
        return f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8(k))
                                .setValue(ByteString.copyFromUtf8(v))
                                .build())
                .body()
                .getHeader()
                .getRevision();
    }

    private ClientServerFixture.Reply<HashKVResponse> hashKv(long revision) {
        return f.call(
                MaintenanceGrpcClient.HashKV,
                HashKVRequest.newBuilder().setRevision(revision).build());
    }

    @Test
    void hashKvHashesTheHistoryUpToItsRevision() {
        long r1 = put("a", "1");
        long r2 = put("a", "2");
        long r3 = put("b", "1");
        int at1 = hashKv(r1).body().getHash();
        int at2 = hashKv(r2).body().getHash();
        HashKVResponse now = hashKv(0).body();
        assertThat(now.getHash()).isEqualTo(hashKv(r3).body().getHash());
        assertThat(now.getHeader().getRevision()).isEqualTo(r3);
        assertThat(java.util.Set.of(at1, at2, now.getHash()))
                .as("each revision its own digest")
                .hasSize(3);

        put("c", "1");
        assertThat(hashKv(r1).body().getHash())
                .as("later writes leave a past digest alone")
                .isEqualTo(at1);
        assertThat(hashKv(r3 + 5).status()).isEqualTo(GrpcStatus.OUT_OF_RANGE);
        assertThat(hashKv(r3 + 5).message()).isEqualTo("etcdserver: mvcc: required revision is a future revision");

        f.call(
                        KVGrpcClient.Compact,
                        CompactionRequest.newBuilder().setRevision(r2).build())
                .body();
        var compacted = hashKv(r2);
        assertThat(compacted.status()).isEqualTo(GrpcStatus.OUT_OF_RANGE);
        assertThat(compacted.message()).isEqualTo("etcdserver: mvcc: required revision has been compacted");
        HashKVResponse after = hashKv(r3).body();
        assertThat(after.getCompactRevision()).isEqualTo(r2);
        assertThat(after.getHash())
                .as("the version of a that the compaction dropped no longer counts")
                .isNotEqualTo(hashKv(0).body().getHash());
    }

    @Test
    void memberUpdateAnswersForTheAddressAMemberHasOnly() {
        var same = f.call(
                ClusterGrpcClient.MemberUpdate,
                MemberUpdateRequest.newBuilder()
                        .setID(2)
                        .addPeerURLs("http://10.0.0.2:9091")
                        .build());
        assertThat(same.body().getMembersCount()).isEqualTo(3);
        var moved = f.call(
                ClusterGrpcClient.MemberUpdate,
                MemberUpdateRequest.newBuilder()
                        .setID(2)
                        .addPeerURLs("http://10.0.0.9:9091")
                        .build());
        assertThat(moved.status()).isEqualTo(GrpcStatus.UNIMPLEMENTED);
        assertThat(moved.message()).contains("add a learner at the new address");
        var unknown = f.call(
                ClusterGrpcClient.MemberUpdate,
                MemberUpdateRequest.newBuilder()
                        .setID(9)
                        .addPeerURLs("http://10.0.0.9:9091")
                        .build());
        assertThat(unknown.status()).isEqualTo(GrpcStatus.NOT_FOUND);
        assertThat(unknown.message()).isEqualTo("etcdserver: member not found");
    }
}
