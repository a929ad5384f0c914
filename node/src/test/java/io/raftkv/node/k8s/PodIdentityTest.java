package io.raftkv.node.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PodIdentityTest {

    static Map<String, String> podEnv(String podName, int replicas) {
        Map<String, String> env = new HashMap<>();
        env.put("POD_NAME", podName);
        env.put("POD_NAMESPACE", "prod");
        env.put("RAFTKV_CLUSTER", "orders");
        env.put("RAFTKV_PEER_SERVICE", "orders-peers");
        env.put("RAFTKV_REPLICAS", Integer.toString(replicas));
        return env;
    }

    @Test
    void notInKubernetesWithoutPodName() {
        assertThat(PodIdentity.fromEnvironment(Map.of("RAFTKV_CLUSTER", "orders")))
                .isEmpty();
    }

    @Test
    void derivesOrdinalAndDnsNamesFromThePodContract() {
        PodIdentity pod = PodIdentity.fromEnvironment(podEnv("orders-2", 3)).orElseThrow();
        assertThat(pod.ordinal()).isEqualTo(2);
        assertThat(pod.isInitialMember()).isTrue();
        assertThat(pod.ownHost()).isEqualTo("orders-2.orders-peers.prod.svc");
        assertThat(pod.podHost(0)).isEqualTo("orders-0.orders-peers.prod.svc");
        assertThat(new KubernetesNode(pod, () -> null).initialPeers(9091))
                .isEqualTo("1=orders-0.orders-peers.prod.svc:9091,2=orders-1.orders-peers.prod.svc:9091,"
                        + "3=orders-2.orders-peers.prod.svc:9091");
    }

    @Test
    void ordinalAtOrBeyondInitialReplicasIsALaterMember() {
        PodIdentity pod = PodIdentity.fromEnvironment(podEnv("orders-3", 3)).orElseThrow();
        assertThat(pod.isInitialMember()).isFalse();
        assertThat(PodIdentity.fromEnvironment(podEnv("orders-12", 3))
                        .orElseThrow()
                        .ordinal())
                .isEqualTo(12);
    }

    @Test
    void peerServiceDefaultsToClusterPeers() {
        Map<String, String> env = podEnv("orders-0", 1);
        env.remove("RAFTKV_PEER_SERVICE");
        assertThat(PodIdentity.fromEnvironment(env).orElseThrow().peerService()).isEqualTo("orders-peers");
    }

    @Test
    void podNameOfHostRecognisesOnlyThisClustersPods() {
        PodIdentity pod = PodIdentity.fromEnvironment(podEnv("orders-0", 3)).orElseThrow();
        assertThat(pod.podNameOfHost("orders-4.orders-peers.prod.svc")).contains("orders-4");
        assertThat(pod.podNameOfHost("orders-4.orders-peers.prod.svc.cluster.local"))
                .contains("orders-4");
        assertThat(pod.podNameOfHost("orders-4.other.prod.svc")).isEmpty();
        assertThat(pod.podNameOfHost("payments-1.orders-peers.prod.svc")).isEmpty();
        assertThat(pod.podNameOfHost("127.0.0.1")).isEqualTo(Optional.empty());
    }

    @Test
    void malformedEnvironmentIsAClearError() {
        assertThatThrownBy(() -> PodIdentity.fromEnvironment(podEnv("orders-x", 3)))
                .hasMessageContaining("does not end in a StatefulSet ordinal");
        assertThatThrownBy(() -> PodIdentity.fromEnvironment(podEnv("orders-01", 3)))
                .hasMessageContaining("ordinal");
        assertThatThrownBy(() -> PodIdentity.fromEnvironment(podEnv("web-0", 3)))
                .hasMessageContaining("does not start with 'orders-<ordinal>'");
        assertThatThrownBy(() -> PodIdentity.fromEnvironment(podEnv("orders-0", 0)))
                .hasMessageContaining("RAFTKV_REPLICAS must be in 1..9");
        Map<String, String> noReplicas = podEnv("orders-0", 3);
        noReplicas.put("RAFTKV_REPLICAS", "three");
        assertThatThrownBy(() -> PodIdentity.fromEnvironment(noReplicas))
                .hasMessageContaining("RAFTKV_REPLICAS must be an integer");
        Map<String, String> noNamespace = podEnv("orders-0", 3);
        noNamespace.remove("POD_NAMESPACE");
        assertThatThrownBy(() -> PodIdentity.fromEnvironment(noNamespace))
                .hasMessageContaining("POD_NAMESPACE is missing");
        Map<String, String> badNamespace = podEnv("orders-0", 3);
        badNamespace.put("POD_NAMESPACE", "Prod_1");
        assertThatThrownBy(() -> PodIdentity.fromEnvironment(badNamespace)).hasMessageContaining("must be a DNS label");
    }
}
