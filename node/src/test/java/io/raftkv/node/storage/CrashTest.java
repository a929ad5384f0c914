package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.raft.Entry;
import io.raftkv.testkit.RocksDbLibrary;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash test with real processes: a child JVM ({@link CrashTestChild}) appends with group commit
 * and reports each acknowledgement on stdout; it is SIGKILLed at a random moment (after a random
 * number of acknowledgements, sometimes right after opening), {@code crash.kills} times (default
 * 50). After every kill the parent opens the same directory — the start-up checks must pass — and
 * every acknowledged entry must be present with its exact payload. Seeded; replay with
 * {@code -Dcrash.seed=N}.
 */
class CrashTest {
    private static final int KILLS = Integer.getInteger("crash.kills", 50);

    @TempDir
    Path tmp;

    @Test
    void everyAcknowledgedEntrySurvivesSigkill() throws Exception {
        long seed = Long.getLong("crash.seed", new Random().nextLong());
        System.out.println("CrashTest seed " + seed + " (replay: -Dcrash.seed=" + seed + ")");
        Random rnd = new Random(seed);
        Path dataDir = tmp.resolve("node");
        long maxAcked = 0;
        long verified = 0;
        long start = System.nanoTime();
        for (int kill = 1; kill <= KILLS; kill++) {
            int acksBeforeKill = rnd.nextInt(8) == 0 ? 0 : 1 + rnd.nextInt(60);
            // RocksDB's library from the kit's fixed directory: a SIGKILLed child leaves no copy in /tmp.
            Process child = new ProcessBuilder(RocksDbLibrary.withLibraryPath(List.of(
                            javaBinary(),
                            "-XX:TieredStopAtLevel=1",
                            "-XX:+UseSerialGC",
                            "-Xmx128m",
                            "-cp",
                            System.getProperty("java.class.path"),
                            CrashTestChild.class.getName(),
                            dataDir.toString(),
                            Long.toString(seed + kill))))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            long ackedThisRun = readAcksThenKill(child, acksBeforeKill, kill, seed);
            maxAcked = Math.max(maxAcked, ackedThisRun);
            try (NodeStorage storage = NodeStorage.open(dataDir, StorageOptions.defaults())) {
                RaftLogStorage log = storage.raftLog();
                assertThat(log.lastIndex())
                        .as("kill %d, seed %d: last index covers every ack", kill, seed)
                        .isGreaterThanOrEqualTo(maxAcked);
                for (long lo = 1; lo <= maxAcked; ) {
                    List<Entry> es = log.entries(lo, maxAcked + 1, 1 << 20);
                    for (Entry e : es) {
                        assertThat(e.data())
                                .as("kill %d, seed %d: entry #%d", kill, seed, e.index())
                                .isEqualTo(CrashTestChild.payload(e.index()));
                    }
                    lo += es.size();
                }
                verified += maxAcked;
            }
        }
        System.out.printf(
                "CrashTest: %d SIGKILLs, highest acknowledged index %d, %d entry checks passed," + " %.1f s, seed %d%n",
                KILLS, maxAcked, verified, (System.nanoTime() - start) / 1e9, seed);
        assertThat(maxAcked).as("the child made progress").isPositive();
    }

    /** Reads the child's stdout until {@code acks} ACK lines (0: the OPENED line), then SIGKILLs it. */
    private static long readAcksThenKill(Process child, int acks, int kill, long seed) throws Exception {
        long highest = 0;
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            int seen = 0;
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    highest = Math.max(highest, Long.parseLong(line.substring(4)));
                    seen++;
                }
                if (line.startsWith("OPENED") && acks == 0 || seen >= acks && acks > 0) {
                    break;
                }
            }
            if (line == null) {
                child.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("kill " + kill + ", seed " + seed + ": child exited early with status "
                        + child.exitValue() + " (start-up checks failed?)");
            }
            child.toHandle().destroyForcibly(); // SIGKILL on Linux; unlike Process.destroyForcibly keeps stdout open
            // Acknowledgements already in the pipe were durable before they were printed.
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    highest = Math.max(highest, Long.parseLong(line.substring(4)));
                }
            }
        }
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return highest;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
