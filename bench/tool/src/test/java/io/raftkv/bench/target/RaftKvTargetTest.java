package io.raftkv.bench.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.fake.FakeCluster;
import io.raftkv.api.fake.FakeNode;
import io.raftkv.bench.load.LoadRunner;
import io.raftkv.bench.load.LoadSpec;
import io.raftkv.bench.load.Measured;
import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetCallException;
import io.raftkv.bench.spi.TargetOptions;
import io.raftkv.bench.workload.KeyOrder;
import io.raftkv.bench.workload.Workload;
import io.raftkv.bench.workload.WorkloadSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The RaftKV target against the api module's in-process fake cluster (real gRPC over loopback). */
class RaftKvTargetTest {
    private FakeCluster cluster;
    private Target target;

    @BeforeEach
    void start() throws Exception {
        cluster = FakeCluster.start(3);
        List<String> endpoints =
                cluster.endpointList().stream().map(Object::toString).collect(Collectors.toList());
        target = Targets.open(Targets.RAFTKV, new TargetOptions(endpoints, 2, Duration.ofSeconds(5)), null);
    }

    @AfterEach
    void stop() throws Exception {
        target.close();
        cluster.close();
    }

    @Test
    void putThenGetEveryConsistencyReachesTheStore() throws Exception {
        byte[] key = "bench-key".getBytes(StandardCharsets.UTF_8);
        target.put(key, "v1".getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        for (ReadMode mode : ReadMode.values()) {
            assertThat(target.supports(mode)).isTrue();
            target.get(key, mode).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        assertThat(cluster.leader().received("Put", io.raftkv.api.v1.PutRequest.class))
                .extracting(r -> r.getValue().toStringUtf8())
                .containsExactly("v1");
        assertThat(cluster.leader().received("Get", io.raftkv.api.v1.GetRequest.class))
                .extracting(r -> r.getConsistency().name())
                .containsExactly("LINEARIZABLE", "LEASE", "SERIALIZABLE");
    }

    @Test
    void failuresCarryTheGrpcCode() {
        FakeNode leader = cluster.leader();
        leader.script("Put", new FakeNode.Fail(RaftKvException.invalidArgument("key too long")));
        byte[] key = {1};
        assertThatThrownBy(() -> target.put(key, key).toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOfSatisfying(TargetCallException.class, e -> {
                    assertThat(e.code()).isEqualTo("INVALID_ARGUMENT");
                    assertThat(e.getMessage()).contains(ErrorReason.INVALID_REQUEST.name());
                });
    }

    @Test
    void loadRunnerDrivesTheRealClient() throws Exception {
        // The first call pays for connections, class loading and JIT (seconds on a loaded machine):
        // make it before the run so that the short window measures steady calls.
        target.put(new byte[] {1}, new byte[] {1}).toCompletableFuture().get(30, TimeUnit.SECONDS);
        Workload w = new Workload(new WorkloadSpec(50, ReadMode.LINEARIZABLE, 50, 8, 64, KeyOrder.RANDOM, 3));
        Measured m = new LoadRunner(
                        target,
                        w,
                        LoadSpec.closed(16, Duration.ofMillis(200), Duration.ofMillis(800)),
                        p -> System.out.println(p.line("fake")))
                .run();
        System.out.println(io.raftkv.bench.suite.SuiteRunner.summary("fake", m));
        assertThat(m.successes()).isPositive();
        assertThat(m.errors()).isEmpty();
        assertThat(m.unfinished()).isZero();
    }
}
