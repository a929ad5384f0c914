package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.node.kv.StateHash;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The byte bound of range reads, the state hash's index, and the measured size on disk. */
class RangeBoundAndUsageTest {
    @TempDir
    Path dir;

    private NodeStorage storage;
    private KvStateMachine sm;
    private long nextIndex = 1;

    @BeforeEach
    void open() {
        storage = NodeStorage.open(
                dir, StorageOptions.defaults().withDiskUsageIntervalMs(50).withClusterId(77));
        sm = storage.stateMachine();
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void put(String key, byte[] value) {
        Entry e = new Entry(1, nextIndex++, EntryType.NORMAL, CommandCodec.encode(Command.of(new Put(b(key), value))));
        storage.raftLog()
                .persist(new HardState(1, 1, e.index()), List.of(e), null)
                .join();
        sm.apply(List.of(e), Map.of()).join();
    }

    private static List<String> keys(RangeResult r) {
        return r.keyValues().stream()
                .map(kv -> new String(kv.key(), StandardCharsets.UTF_8))
                .toList();
    }

    @Test
    void aRangeStopsBeforeTheByteBoundButAlwaysReturnsOneKey() {
        put("a", new byte[10]); // 11 bytes with its key
        put("b", new byte[10]);
        put("c", new byte[100]);
        put("d", new byte[1]);

        RangeResult two = sm.range(b("a"), null, 100, 25, false);
        assertThat(keys(two)).containsExactly("a", "b");
        assertThat(two.more()).isTrue();
        RangeResult exact = sm.range(b("a"), null, 100, 22, false);
        assertThat(keys(exact)).as("22 bytes hold a and b exactly").containsExactly("a", "b");
        RangeResult oversizedFirst = sm.range(b("c"), null, 100, 5, false);
        assertThat(keys(oversizedFirst)).containsExactly("c");
        assertThat(oversizedFirst.more()).isTrue();
        RangeResult last = sm.range(b("d"), null, 100, 5, false);
        assertThat(keys(last)).containsExactly("d");
        assertThat(last.more()).isFalse();

        RangeResult keysOnly = sm.range(b("a"), null, 100, 4, true);
        assertThat(keys(keysOnly)).containsExactly("a", "b", "c", "d");
        assertThat(keysOnly.keyValues()).allSatisfy(kv -> assertThat(kv.value()).isEmpty());
        assertThat(keysOnly.keyValues().get(2).modRevision()).isEqualTo(4);
        assertThat(keysOnly.more()).isFalse();
    }

    /** Seeded: a random byte bound never yields more than it allows, and pages cover every key once. */
    @Test
    void pagingUnderRandomBoundsVisitsEveryKeyOnceAndNeverExceedsTheBound() {
        long seed = new Random().nextLong();
        System.out.println("RangeBoundAndUsageTest seed " + seed);
        Random rnd = new Random(seed);
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String k = String.format("k%03d", i);
            put(k, new byte[rnd.nextInt(300)]);
            all.add(k);
        }
        for (int round = 0; round < 20; round++) {
            long bound = 1 + rnd.nextInt(1200);
            int limit = 1 + rnd.nextInt(20);
            List<String> seen = new ArrayList<>();
            byte[] from = b("k");
            while (true) {
                RangeResult page = sm.range(from, null, limit, bound, false);
                long bytes = page.keyValues().stream()
                        .mapToLong(kv -> kv.key().length + kv.value().length)
                        .sum();
                assertThat(page.keyValues()).as("seed %d", seed).isNotEmpty().hasSizeLessThanOrEqualTo(limit);
                if (page.keyValues().size() > 1) {
                    assertThat(bytes).as("seed %d", seed).isLessThanOrEqualTo(bound);
                }
                seen.addAll(keys(page));
                if (!page.more()) {
                    break;
                }
                byte[] lastKey =
                        page.keyValues().get(page.keyValues().size() - 1).key();
                from = java.util.Arrays.copyOf(lastKey, lastKey.length + 1);
            }
            assertThat(seen).as("seed %d bound %d limit %d", seed, bound, limit).isEqualTo(all);
        }
    }

    @Test
    void theStateHashNamesTheIndexItDescribes() {
        assertThat(sm.stateHash().appliedIndex()).isZero();
        put("a", b("1"));
        put("b", b("2"));
        StateHash h = sm.stateHash();
        assertThat(h.appliedIndex()).isEqualTo(2).isEqualTo(sm.appliedIndex());
        put("c", b("3"));
        assertThat(sm.stateHash().appliedIndex()).isEqualTo(3);
        assertThat(sm.stateHash().hash()).isNotEqualTo(h.hash());
    }

    @Test
    void theSizeOnDiskIsMeasuredInTheBackgroundAndTheClusterIdIsCarried() {
        assertThat(storage.clusterId()).isEqualTo(77);
        long initial = storage.dbSizeBytes();
        assertThat(initial).as("measured at open").isPositive();
        byte[] big = new byte[256 * 1024];
        new Random(1).nextBytes(big); // incompressible
        for (int i = 0; i < 8; i++) {
            put("big" + i, big);
        }
        await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> storage.dbSizeBytes() >= initial + 8L * big.length);
    }

    @Test
    void hardLinkedFilesAreCountedOnce(@TempDir Path tree) throws IOException {
        Path a = Files.write(tree.resolve("a.sst"), new byte[1000]);
        Files.createDirectories(tree.resolve("snap"));
        Files.createLink(tree.resolve("snap/a.sst"), a);
        Files.write(tree.resolve("snap/MANIFEST"), new byte[24]);
        assertThat(StorageUsage.measure(tree)).isEqualTo(1024);
    }
}
