package io.raftkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterLayoutTest {
    private final ClusterLayout layout =
            ClusterLayout.onPorts("c1", 3, id -> 7000 + id, id -> 7100 + id, id -> Path.of("/d/n" + id));

    @Test
    void votersFlagsWireEveryNodeDirectlyByDefault() {
        assertThat(layout.voterArgs(2, layout.direct()))
                .containsExactly(
                        "--id", "2",
                        "--client-addr", "127.0.0.1:7002",
                        "--peer-addr", "127.0.0.1:7102",
                        "--data-dir", "/d/n2",
                        "--cluster-id", "c1",
                        "--peers", "1=127.0.0.1:7101,2=127.0.0.1:7102,3=127.0.0.1:7103",
                        "--peer-client-addrs", "1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003");
        assertThat(layout.peerAddresses().get(3).getPort()).isEqualTo(7103);
    }

    @Test
    void aWiringGivesEachNodeItsOwnPeers() {
        List<String> args = layout.clusterArgs(1, id -> "through-proxy-of-" + id);
        assertThat(args).containsSubsequence("--peers", "through-proxy-of-1");
        assertThatThrownBy(() -> layout.clusterArgs(4, layout.direct()))
                .hasMessageContaining("no voter 4; voters are [1, 2, 3]");
    }

    @Test
    void aJoinerNamesTheCurrentMembersOnTheirRealAddresses() {
        assertThat(ClusterLayout.joinArgs("c1", List.of(layout.voter(1), layout.voter(3))))
                .containsExactly(
                        "--cluster-id",
                        "c1",
                        "--join",
                        "--peers",
                        "1=127.0.0.1:7101,3=127.0.0.1:7103",
                        "--peer-client-addrs",
                        "1=127.0.0.1:7001,3=127.0.0.1:7003");
    }

    @Test
    void freePortsAreDistinct() throws Exception {
        ClusterLayout free = ClusterLayout.onFreePorts("c", 3, id -> Path.of("d" + id));
        assertThat(free.voters().stream()
                        .flatMap(m -> java.util.stream.Stream.of(m.clientPort(), m.peerPort()))
                        .distinct()
                        .count())
                .isEqualTo(6);
    }
}
