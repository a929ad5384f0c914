package io.raftkv.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorSettingsTest {

    @Test
    void defaultsWatchAllNamespacesWithLeaderElection() {
        OperatorSettings s = OperatorSettings.parse(List.of(), Map.of(), "host-1");
        assertThat(s.watchesAllNamespaces()).isTrue();
        assertThat(s.leaderElection()).isTrue();
        assertThat(s.leaseName()).isEqualTo("raftkv-operator-lock");
        assertThat(s.leaseNamespace()).isEmpty();
        assertThat(s.identity()).isEqualTo("host-1");
        assertThat(s.httpPort()).isEqualTo(8080);
    }

    @Test
    void flagsWinOverEnvironment() {
        OperatorSettings s = OperatorSettings.parse(
                List.of("--watch-namespaces=b, a", "--http-port=9000"),
                Map.of("RAFTKV_WATCH_NAMESPACES", "x", "POD_NAME", "op-0", "RAFTKV_LEADER_ELECTION", "false"),
                "host");
        assertThat(s.watchNamespaces()).containsExactly("a", "b");
        assertThat(s.httpPort()).isEqualTo(9000);
        assertThat(s.identity()).isEqualTo("op-0");
        assertThat(s.leaderElection()).isFalse();
    }

    @Test
    void badInputNamesTheCulprit() {
        assertThatThrownBy(() -> OperatorSettings.parse(List.of("--nope=1"), Map.of(), "h"))
                .hasMessageContaining("unknown flag --nope");
        assertThatThrownBy(() -> OperatorSettings.parse(List.of("--http-port=x"), Map.of(), "h"))
                .hasMessageContaining("--http-port");
        assertThatThrownBy(() -> OperatorSettings.parse(List.of(), Map.of("RAFTKV_LEADER_ELECTION", "yes"), "h"))
                .hasMessageContaining("true or false");
        assertThatThrownBy(() -> OperatorSettings.parse(List.of("--watch-namespaces=Bad_Ns"), Map.of(), "h"))
                .hasMessageContaining("Bad_Ns");
    }
}
