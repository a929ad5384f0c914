package io.raftkv.etcd.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.raftkv.etcd.api.lock.JetcdProto;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The generated classes carry etcd's wire contract: etcd's protobuf packages and service names, and
 * the field numbers etcd's own clients (etcdctl, Go clientv3) send. Only the Java package differs.
 */
class EtcdContractTest {

    @Test
    void servicesKeepEtcdsFullNames() {
        FileDescriptor rpc = io.raftkv.etcd.api.JetcdProto.getDescriptor();
        assertThat(rpc.getPackage()).isEqualTo("etcdserverpb");
        assertThat(rpc.getServices().stream().map(ServiceDescriptor::getFullName))
                .containsExactly(
                        "etcdserverpb.KV",
                        "etcdserverpb.Watch",
                        "etcdserverpb.Lease",
                        "etcdserverpb.Cluster",
                        "etcdserverpb.Maintenance",
                        "etcdserverpb.Auth");
        assertThat(KvProto.getDescriptor().getPackage()).isEqualTo("mvccpb");
        assertThat(AuthProto.getDescriptor().getPackage()).isEqualTo("authpb");
        assertThat(JetcdProto.getDescriptor().getServices().get(0).getFullName())
                .isEqualTo("v3lockpb.Lock");
        assertThat(ElectionProto.getDescriptor().getServices().get(0).getFullName())
                .isEqualTo("v3electionpb.Election");
    }

    @Test
    void fieldNumbersAreEtcds() {
        // A few numbers from etcd's api/etcdserverpb/rpc.proto that etcdctl relies on.
        assertThat(RangeRequest.getDescriptor().findFieldByName("range_end").getNumber())
                .isEqualTo(2);
        assertThat(RangeRequest.getDescriptor().findFieldByName("revision").getNumber())
                .isEqualTo(4);
        assertThat(RangeRequest.getDescriptor().findFieldByName("serializable").getNumber())
                .isEqualTo(7);
        assertThat(RangeRequest.getDescriptor().findFieldByName("count_only").getNumber())
                .isEqualTo(9);
        assertThat(PutRequest.getDescriptor().findFieldByName("prev_kv").getNumber())
                .isEqualTo(4);
        assertThat(PutRequest.getDescriptor().findFieldByName("ignore_lease").getNumber())
                .isEqualTo(6);
        assertThat(WatchCreateRequest.getDescriptor().findFieldByName("prev_kv").getNumber())
                .isEqualTo(6);
        assertThat(KeyValue.getDescriptor().findFieldByName("mod_revision").getNumber())
                .isEqualTo(3);
        assertThat(Member.getDescriptor().findFieldByName("isLearner").getNumber())
                .isEqualTo(5);
    }

    @Test
    void theArtifactLacksOnlyTheseNewerEtcdCalls() {
        // jetcd's published rpc.proto predates these etcd 3.5 calls; docs/etcd-compatibility.md lists them.
        List<String> methods = io.raftkv.etcd.api.JetcdProto.getDescriptor().getServices().stream()
                .flatMap(s -> s.getMethods().stream())
                .map(m -> m.getName())
                .toList();
        assertThat(methods).doesNotContain("LeaseLeases", "AuthStatus", "Downgrade");
        assertThat(methods)
                .contains(
                        "Range",
                        "Txn",
                        "Compact",
                        "Watch",
                        "LeaseKeepAlive",
                        "MemberPromote",
                        "HashKV",
                        "Snapshot",
                        "MoveLeader",
                        "Authenticate");
    }
}
