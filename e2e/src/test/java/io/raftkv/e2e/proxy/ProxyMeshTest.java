package io.raftkv.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Five "nodes" are echo servers; the mesh puts a proxy on each of the 20 directed links. */
class ProxyMeshTest {
    private final List<EchoServer> nodes = new java.util.ArrayList<>();
    private ProxyMesh mesh;

    @BeforeEach
    void start() throws IOException {
        Map<Integer, InetSocketAddress> peers = new LinkedHashMap<>();
        for (int id = 1; id <= 5; id++) {
            EchoServer node = new EchoServer();
            nodes.add(node);
            peers.put(id, node.address());
        }
        mesh = ProxyMesh.start(peers, 1);
    }

    @AfterEach
    void stop() throws IOException {
        mesh.close();
        for (EchoServer node : nodes) {
            node.close();
        }
    }

    /** Whether a byte sent from {@code from} to {@code to} through the mesh comes back. */
    private boolean canTalk(int from, int to) {
        InetSocketAddress a = mesh.addressFor(from, to);
        try (Socket s = new Socket(a.getAddress(), a.getPort())) {
            s.setSoTimeout(2_000);
            s.getOutputStream().write(7);
            byte[] back = new byte[1];
            new DataInputStream(s.getInputStream()).readFully(back);
            return back[0] == 7;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void eachNodeGetsItsOwnPeersMap() {
        String peers = mesh.peersArgument(2);
        assertThat(peers.split(",")).hasSize(5);
        assertThat(peers)
                .contains("2=" + nodes.get(1).address().getHostString() + ":"
                        + nodes.get(1).address().getPort());
        assertThat(peers).contains("3=127.0.0.1:" + mesh.proxy(new Link(2, 3)).port());
        assertThat(mesh.peersArgument(3))
                .contains("2=127.0.0.1:" + mesh.proxy(new Link(3, 2)).port());
        assertThatThrownBy(() -> mesh.peersArgument(9)).hasMessageContaining("unknown node 9");
    }

    @Test
    void isolateCutsBothDirectionsOfOneNodeOnly() {
        mesh.isolate(3, LinkBehavior.cut());
        assertThat(canTalk(3, 1)).isFalse();
        assertThat(canTalk(1, 3)).isFalse();
        assertThat(canTalk(1, 2)).isTrue();
        assertThat(canTalk(4, 5)).isTrue();
        mesh.heal();
        assertThat(canTalk(3, 1)).isTrue();
        assertThat(canTalk(1, 3)).isTrue();
    }

    @Test
    void bridgeKeepsTheBridgeConnectedAndSeparatesTheSides() {
        List<List<Integer>> shape = Partitions.randomBridge(mesh.nodeIds(), new Random(3));
        int bridge = shape.get(0).get(0);
        mesh.bridge(bridge, shape.get(1), shape.get(2), LinkBehavior.cut());
        for (int left : shape.get(1)) {
            for (int right : shape.get(2)) {
                assertThat(canTalk(left, right)).as("%d -> %d", left, right).isFalse();
                assertThat(canTalk(right, left)).as("%d -> %d", right, left).isFalse();
            }
            assertThat(canTalk(left, bridge)).isTrue();
            assertThat(canTalk(bridge, left)).isTrue();
        }
        assertThat(mesh.reachableFrom(bridge)).hasSize(4);
    }

    @Test
    void slowLinksDelayEveryLink() {
        mesh.setAll(LinkBehavior.delayed(50, 10));
        long start = System.nanoTime();
        assertThat(canTalk(1, 2)).isTrue();
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(100);
        assertThat(mesh.links())
                .allSatisfy(l -> assertThat(mesh.behavior(l).delayMs()).isEqualTo(50));
    }

    @Test
    void statsCountTrafficPerLink() {
        assertThat(canTalk(4, 1)).isTrue();
        await().untilAsserted(() ->
                assertThat(mesh.stats().get(new Link(4, 1)).bytesForwarded()).isEqualTo(2));
        assertThat(mesh.stats().get(new Link(1, 4)).bytesForwarded()).isZero();
        assertThat(mesh.reachableFrom(1)).isEqualTo(Set.of(2, 3, 4, 5));
    }
}
