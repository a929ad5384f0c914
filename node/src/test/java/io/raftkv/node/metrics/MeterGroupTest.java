package io.raftkv.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Meters registered lazily from many threads at once are all removed on close, also racing with it. */
class MeterGroupTest {
    private static final int THREADS = 16;
    private static final int PER_THREAD = 2_000;

    /** A group that registers a counter per name on first use, from whatever thread asks. */
    private static final class LazyGroup extends MeterGroup {
        LazyGroup(MeterRegistry registry) {
            super(registry);
        }

        void count(String name) {
            track(Counter.builder("test.lazy").tag("name", name).register(registry))
                    .increment();
        }
    }

    @Test
    void metersRegisteredFromManyThreadsAreAllRemovedOnClose() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LazyGroup group = new LazyGroup(registry);
        runConcurrently(t -> {
            for (int i = 0; i < PER_THREAD; i++) {
                group.count(t + "-" + i);
            }
        });
        assertThat(registry.getMeters()).hasSize(THREADS * PER_THREAD);
        group.close();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void aMeterRegisteredWhileTheGroupClosesIsRemovedToo() throws Exception {
        for (int round = 0; round < 20; round++) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            LazyGroup group = new LazyGroup(registry);
            CountDownLatch started = new CountDownLatch(1);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            Future<?> registering = pool.submit(() -> {
                for (int i = 0; i < PER_THREAD; i++) {
                    group.count("n" + i);
                    started.countDown();
                }
            });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            group.close();
            registering.get(10, TimeUnit.SECONDS);
            pool.shutdown();
            assertThat(registry.getMeters()).as("round " + round).isEmpty();
        }
    }

    private interface PerThread {
        void run(int thread) throws Exception;
    }

    private static void runConcurrently(PerThread body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                go.await();
                body.run(thread);
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
    }
}
