package io.raftkv.bench.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetFactory;
import io.raftkv.bench.spi.TargetOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The etcd driver jar (built by bench/etcd-driver before this module) loads in its own class loader:
 * it shares the SPI with the tool and nothing else, so its Vert.x 5.1 and protobuf 3 never meet the
 * tool's Vert.x 5.0.7 and protobuf 4.
 */
class IsolatedDriverTest {
    private static Path driverJar() {
        Path jar = Targets.defaultEtcdDriverJar();
        assertThat(jar)
                .as("the etcd driver jar is built by bench/etcd-driver (mvn -pl bench -amd package)")
                .satisfies(p -> assertThat(Files.isRegularFile(p)).isTrue());
        return jar;
    }

    @Test
    void driverSharesOnlyTheSpiWithTheTool() throws Exception {
        try (IsolatedDriver driver = IsolatedDriver.load(driverJar(), Targets.ETCD)) {
            ClassLoader driverLoader = driver.classLoader();
            assertThat(driver.factory().getClass().getClassLoader()).isSameAs(driverLoader);
            assertThat(driverLoader.loadClass(TargetFactory.class.getName())).isSameAs(TargetFactory.class);
            assertThat(driverLoader.loadClass(ReadMode.class.getName())).isSameAs(ReadMode.class);

            Class<?> theirVertx = driverLoader.loadClass("io.vertx.core.Vertx");
            assertThat(theirVertx).isNotSameAs(io.vertx.core.Vertx.class);
            Class<?> theirProtobuf = driverLoader.loadClass("com.google.protobuf.ByteString");
            assertThat(theirProtobuf).isNotSameAs(com.google.protobuf.ByteString.class);
            assertThatThrownBy(() -> driverLoader.loadClass(RaftKvTarget.class.getName()))
                    .isInstanceOf(ClassNotFoundException.class);
        }
    }

    @ParameterizedTest
    @CsvSource({"etcd, etcd via plain grpc-java stubs", "etcd-jetcd, etcd via jetcd"})
    void etcdTargetsRefuseLeaseReadsAndSayWhatTheyAre(String system, String description) {
        try (IsolatedDriver driver = IsolatedDriver.load(driverJar(), system);
                Target t = driver.factory().open(new TargetOptions(List.of("127.0.0.1:1"), 1, Duration.ofSeconds(1)))) {
            assertThat(t.supports(ReadMode.LEASE)).isFalse();
            assertThat(t.supports(ReadMode.SERIALIZABLE)).isTrue();
            assertThat(t.describe()).startsWith(description);
            assertThat(t.get(new byte[] {1}, ReadMode.LEASE).toCompletableFuture())
                    .isCompletedExceptionally();
        }
    }

    @Test
    void missingJarOrSystemIsAClearError() {
        assertThatThrownBy(() -> IsolatedDriver.load(Path.of("/nonexistent/driver.jar"), Targets.ETCD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> IsolatedDriver.load(driverJar(), "zookeeper"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no target factory for 'zookeeper'")
                .hasMessageContaining("etcd");
        assertThatThrownBy(() ->
                        Targets.open("zookeeper", new TargetOptions(List.of("h:1"), 1, Duration.ofSeconds(1)), null))
                .hasMessageContaining("unknown system");
    }
}
