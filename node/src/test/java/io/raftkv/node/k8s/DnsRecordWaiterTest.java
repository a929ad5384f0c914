package io.raftkv.node.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DnsRecordWaiterTest {
    private final long seed = new SplittableRandom().nextLong();
    private final List<Long> sleptMs = new CopyOnWriteArrayList<>();

    @Test
    void retriesWhileTheRecordIsMissingThenReturnsIt() throws Exception {
        System.out.println("DnsRecordWaiterTest seed " + seed);
        AtomicInteger lookups = new AtomicInteger();
        InetAddress ip = InetAddress.getByAddress("orders-0.orders-peers.prod.svc", new byte[] {10, 0, 0, 5});
        DnsRecordWaiter.HostResolver appearsOnFourthLookup = host -> {
            if (lookups.incrementAndGet() < 4) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {ip};
        };
        try (DnsRecordWaiter waiter = new DnsRecordWaiter(appearsOnFourthLookup, sleptMs::add, 100, 2_000, seed)) {
            assertThat(waiter.awaitRecord("orders-0.orders-peers.prod.svc", 60_000)
                            .get(10, TimeUnit.SECONDS))
                    .containsExactly(ip);
        }
        assertThat(lookups.get()).isEqualTo(4);
        assertThat(sleptMs).hasSize(3);
        assertThat(sleptMs.get(2)).as("seed %d", seed).isBetween(200L, 400L);
    }

    @Test
    void givesUpWithAClearErrorAfterTheTimeout() {
        try (DnsRecordWaiter waiter = new DnsRecordWaiter(
                host -> {
                    throw new UnknownHostException(host);
                },
                sleptMs::add,
                100,
                2_000,
                seed)) {
            assertThatThrownBy(() -> waiter.awaitRecord("orders-9.orders-peers.prod.svc", 10_000)
                            .get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("no DNS record for orders-9.orders-peers.prod.svc")
                    .hasMessageContaining("publish not-ready addresses");
        }
        assertThat(sleptMs.stream().mapToLong(Long::longValue).sum())
                .as("seed %d", seed)
                .isEqualTo(10_000L);
    }
}
