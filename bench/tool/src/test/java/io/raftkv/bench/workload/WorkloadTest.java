package io.raftkv.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.bench.spi.ReadMode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    private static WorkloadSpec spec(int putPercent, long keySpace, int keySize, KeyOrder order, long seed) {
        return new WorkloadSpec(putPercent, ReadMode.LINEARIZABLE, keySpace, keySize, 16, order, seed);
    }

    @Test
    void keysHaveTheConfiguredSizeAndSortLikeTheirIndexes() {
        Workload w = new Workload(spec(100, 1_000_000, 12, KeyOrder.RANDOM, 1));
        byte[] k0 = w.key(0);
        byte[] k1 = w.key(1);
        byte[] k300 = w.key(300);
        assertThat(k0).hasSize(12).startsWith((byte) 'k', (byte) 'k', (byte) 'k', (byte) 'k');
        assertThat(java.util.Arrays.compareUnsigned(k0, k1)).isNegative();
        assertThat(java.util.Arrays.compareUnsigned(k1, k300)).isNegative();
        assertThat(k300[10]).isEqualTo((byte) 1);
        assertThat(k300[11]).isEqualTo((byte) 44);
    }

    @Test
    void shortKeysUseTheLowBytesOfTheIndex() {
        Workload w = new Workload(spec(100, 65_536, 2, KeyOrder.RANDOM, 1));
        assertThat(w.key(65_535)).containsExactly((byte) 0xff, (byte) 0xff);
        assertThatThrownBy(() -> w.key(65_536))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside [0, 65536)");
    }

    @Test
    void sameSeedGivesTheSameOperations() {
        long seed = 42;
        List<String> a = firstOps(new Workload(spec(30, 1_000, 8, KeyOrder.RANDOM, seed)), 200);
        List<String> b = firstOps(new Workload(spec(30, 1_000, 8, KeyOrder.RANDOM, seed)), 200);
        List<String> c = firstOps(new Workload(spec(30, 1_000, 8, KeyOrder.RANDOM, seed + 1)), 200);
        assertThat(a).as("seed %d", seed).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void putShareFollowsThePercentage() {
        Workload w = new Workload(spec(10, 1_000, 8, KeyOrder.RANDOM, 7));
        Workload.Stream s = w.newStream();
        int puts = 0;
        for (int i = 0; i < 10_000; i++) {
            if (s.next().kind() == OperationKind.PUT) {
                puts++;
            }
        }
        // Binomial(10000, 0.1): mean 1000, sd 30; ±150 is five standard deviations.
        assertThat(puts).isBetween(850, 1150);
    }

    @Test
    void sequentialKeysWalkTheKeySpaceAndWrap() {
        Workload w = new Workload(spec(100, 3, 8, KeyOrder.SEQUENTIAL, 1));
        Workload.Stream s = w.newStream();
        Set<Integer> lastBytes = new HashSet<>();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int last = s.next().key()[7];
            order.add(last);
            lastBytes.add(last);
        }
        assertThat(order).containsExactly(0, 1, 2, 0, 1, 2);
        assertThat(lastBytes).hasSize(3);
    }

    @Test
    void valueIsDeterministicPrintableAndSized() {
        byte[] v1 = new Workload(spec(100, 10, 8, KeyOrder.RANDOM, 5)).value();
        byte[] v2 = new Workload(spec(100, 10, 8, KeyOrder.RANDOM, 5)).value();
        assertThat(v1).hasSize(16).isEqualTo(v2);
        for (byte b : v1) {
            assertThat((char) b).isBetween('a', 'z');
        }
    }

    @Test
    void invalidSpecsAreRejectedNamingTheField() {
        assertThatThrownBy(() -> spec(101, 10, 8, KeyOrder.RANDOM, 1)).hasMessageContaining("putPercent");
        assertThatThrownBy(() -> spec(50, 0, 8, KeyOrder.RANDOM, 1)).hasMessageContaining("keySpace");
        assertThatThrownBy(() -> spec(50, 257, 1, KeyOrder.RANDOM, 1)).hasMessageContaining("does not fit in 1-byte");
        assertThatThrownBy(() -> spec(50, 10, 0, KeyOrder.RANDOM, 1)).hasMessageContaining("keySize");
        assertThatThrownBy(() -> new WorkloadSpec(50, ReadMode.LEASE, 10, 8, 0, KeyOrder.RANDOM, 1))
                .hasMessageContaining("valueSize");
    }

    private static List<String> firstOps(Workload w, int n) {
        Workload.Stream s = w.newStream();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Operation op = s.next();
            out.add(op.kind() + java.util.Arrays.toString(op.key()));
        }
        return out;
    }
}
