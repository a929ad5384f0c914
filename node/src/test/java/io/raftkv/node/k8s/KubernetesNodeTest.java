package io.raftkv.node.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.NodeConfig;
import io.raftkv.node.k8s.MemberIdFile.Origin;
import io.raftkv.node.k8s.MemberIdFile.StoredMemberId;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The derived settings as NodeConfig validates them. */
class KubernetesNodeTest {
    @TempDir
    Path volume;

    private static ClusterResource apiShowing(ObservedClusterStatus status) {
        return new ClusterResource() {
            @Override
            public ObservedClusterStatus readStatus() {
                return status;
            }

            @Override
            public boolean patchStatus(String resourceVersion, ClusterStatusReport report) {
                throw new AssertionError("not during start-up");
            }
        };
    }

    private NodeConfig load(String podName, ObservedClusterStatus status, String... args) {
        Map<String, String> env = PodIdentityTest.podEnv(podName, 3);
        env.put("RAFTKV_DATA_DIR", volume.toString());
        KubernetesNode k8s =
                new KubernetesNode(PodIdentity.fromEnvironment(env).orElseThrow(), () -> apiShowing(status));
        return NodeConfig.load(args, env, draft -> {
            try {
                return k8s.deriveSettings(draft::value, draft::explicit);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void bootstrapMemberOfANewCluster() {
        NodeConfig c = load("orders-2", new ObservedClusterStatus("1", 0, "", Set.of()));
        assertThat(c.id()).isEqualTo(3);
        assertThat(c.join()).isFalse();
        assertThat(c.peers())
                .containsEntry(1L, "orders-0.orders-peers.prod.svc:9091")
                .containsEntry(3L, "orders-2.orders-peers.prod.svc:9091")
                .hasSize(3);
        assertThat(c.advertisedPeerOrEmpty()).isEqualTo("orders-2.orders-peers.prod.svc:9091");
        assertThat(c.advertisedClientOrEmpty()).isEqualTo("orders-2.orders-peers.prod.svc:9090");
        assertThat(c.clusterId()).isEqualTo(load("orders-2", null).clusterId()); // same volume: no API read again
        assertThat(c.describe()).contains("id=3 (derived)");
    }

    @Test
    void laterMemberJoinsWithItsStoredFreshId() {
        NodeConfig c = load("orders-4", null);
        assertThat(c.join()).isTrue();
        assertThat(c.id()).isGreaterThanOrEqualTo(MemberIdentityResolver.FIRST_FRESH_ID);
        assertThat(MemberIdFile.read(volume)).contains(new StoredMemberId(c.id(), Origin.JOIN));
        assertThat(load("orders-4", null).id()).isEqualTo(c.id());
    }

    @Test
    void explicitSettingsWinOverDerivedOnes() {
        NodeConfig c = load(
                "orders-0", null, "--id", "7", "--peers", "7=127.0.0.1:19091", "--advertise-peer", "127.0.0.1:19091");
        assertThat(c.id()).isEqualTo(7);
        assertThat(c.peers()).containsExactly(Map.entry(7L, "127.0.0.1:19091"));
        assertThat(c.advertisedPeerOrEmpty()).isEqualTo("127.0.0.1:19091");
        assertThat(MemberIdFile.read(volume)).isEmpty();
    }
}
