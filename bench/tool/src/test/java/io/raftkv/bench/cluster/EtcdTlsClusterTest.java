package io.raftkv.bench.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetCallException;
import io.raftkv.bench.spi.TargetOptions;
import io.raftkv.bench.target.Targets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code etcd-tls} system against a real etcd (Debian's etcd-server, installed by
 * {@code scripts/bench/ensure-etcd.sh}, as CI does): one member with TLS on every port. The
 * driver's mutual-TLS connection writes and reads; the same driver in plaintext gets no answer
 * from the TLS port; the status probe (https with the admin certificate) names the leader.
 */
class EtcdTlsClusterTest {

    @Test
    void etcdWithTlsServesTheDriverOverMutualTlsAndRefusesPlaintext(@TempDir Path dir) throws Exception {
        try (EtcdCluster etcd = new EtcdCluster(dir, 1, "etcd", List.of(), 26790).withTls()) {
            assertThat(etcd.system()).isEqualTo(Targets.ETCD_TLS);
            assertThat(Files.readString(dir.resolve("tls/node-1/tls.crt"), StandardCharsets.US_ASCII))
                    .startsWith("-----BEGIN CERTIFICATE-----");
            etcd.start(Duration.ofSeconds(60));
            assertThat(etcd.awaitLeader(Duration.ofSeconds(10))).isZero();
            assertThat(etcd.serverVersion()).startsWith("etcd 3.");

            TargetOptions options = new TargetOptions(etcd.clientEndpoints(), 1, Duration.ofSeconds(5));
            try (Target tls = Targets.open(Targets.ETCD_TLS, options, null, etcd.clientCredentials())) {
                assertThat(tls.describe()).contains("mutual TLS");
                tls.put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8))
                        .toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
                tls.get("k".getBytes(StandardCharsets.UTF_8), ReadMode.LINEARIZABLE)
                        .toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
            }
            try (Target plain = Targets.open(
                    Targets.ETCD, new TargetOptions(etcd.clientEndpoints(), 1, Duration.ofSeconds(2)), null)) {
                assertThatThrownBy(() -> plain.put(
                                        "k".getBytes(StandardCharsets.UTF_8), "x".getBytes(StandardCharsets.UTF_8))
                                .toCompletableFuture()
                                .get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause()
                        .isInstanceOf(TargetCallException.class);
            }
            assertThatThrownBy(() -> Targets.open(Targets.ETCD_TLS, options, null, null))
                    .hasMessageContaining("needs TLS credentials");
        }
    }
}
