package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.RangeRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code --auto-compaction-retention} on a real node process: with a retention of 1 s (periodic
 * mode) the leader compacts by itself while writes go on — a Range at the first revision becomes
 * REVISION_COMPACTED, no revision that was current within the last second is compacted, and the
 * compactions are counted.
 */
@ExtendWith(DumpLogsOnFailure.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AutoCompactionTest {

    @Test
    void theLeaderCompactsByItselfAndKeepsTheRecentHistory() throws Exception {
        try (LocalCluster cluster = LocalCluster.start("autocompact", 1, List.of("--auto-compaction-retention=1s"));
                RaftKvClient client = cluster.client()) {
            cluster.awaitLeader();
            long first = client.blocking().put("ac/k", "0").getHeader().getRevision();
            Awaitility.await("the first revision compacted away")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        client.blocking().put("ac/k", "v");
                        return readAt(client, first).isPresent();
                    });
            assertThat(readAt(client, first).orElseThrow().getMessage()).contains("has been compacted");

            // What was current less than the retention ago is kept: every put invoked within the
            // last second before the compact revision was read has a larger revision.
            List<long[]> puts = new ArrayList<>();
            long until = System.nanoTime() + 1_500_000_000L;
            while (System.nanoTime() < until) {
                long invoked = System.nanoTime();
                puts.add(new long[] {
                    invoked, client.blocking().put("ac/k", "w").getHeader().getRevision()
                });
            }
            NodeProcess node = cluster.running().get(0);
            String metrics = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.clientPort + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            long readEnd = System.nanoTime();
            long compact = (long) metric(metrics, "raftkv_mvcc_compact_revision");
            assertThat(compact).isGreaterThan(first);
            for (long[] p : puts) {
                if (p[0] > readEnd - 1_000_000_000L) {
                    assertThat(p[1])
                            .as("a revision current within the retention")
                            .isGreaterThan(compact);
                }
            }
            assertThat(metric(metrics, "raftkv_mvcc_auto_compactions_total")).isGreaterThanOrEqualTo(1);
            assertThat(metric(metrics, "raftkv_mvcc_auto_compaction_failures_total"))
                    .isZero();
        }
    }

    private static double metric(String text, String name) {
        return text.lines()
                .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Empty when a Range at {@code revision} works; the REVISION_COMPACTED error when compacted. */
    private static Optional<RaftKvException> readAt(RaftKvClient client, long revision) {
        try {
            client.blocking()
                    .range(RangeRequest.newBuilder()
                            .setPrefix(RaftKvClient.utf8("ac/"))
                            .setRevision(revision)
                            .build());
            return Optional.empty();
        } catch (RaftKvException e) {
            if (e.reason().filter(r -> r == ErrorReason.REVISION_COMPACTED).isPresent()) {
                return Optional.of(e);
            }
            throw e;
        }
    }
}
