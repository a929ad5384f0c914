package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.Watcher;
import io.raftkv.api.v1.Event;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.WatchCreateRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client {@link Watcher} across member crashes: three real processes, a writer putting keys, a
 * watcher on their prefix from revision 2 (the first write); every member is SIGKILLed and
 * restarted in turn while the writes go on, so the watcher's stream breaks and it resumes on other
 * members. Every write of the run is a put under the prefix, so the watcher must see exactly the
 * revisions 2..N, each once, in order, with the value the writer's acknowledged put wrote.
 */
@ExtendWith(DumpLogsOnFailure.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class WatchResumeTest {

    @Test
    void aWatcherSeesEveryChangeOnceInOrderAcrossMemberCrashes() throws Exception {
        try (LocalCluster cluster = LocalCluster.start("watch", 3, List.of());
                RaftKvClient writer = cluster.client();
                RaftKvClient watching = cluster.client()) {
            cluster.awaitLeader();
            List<Event> seen = new CopyOnWriteArrayList<>();
            List<RaftKvException> closed = new CopyOnWriteArrayList<>();
            Watcher watcher = watching.watch(
                    WatchCreateRequest.newBuilder()
                            .setKey(RaftKvClient.utf8("w/"))
                            .setPrefix(true)
                            .setStartRevision(2)
                            .build(),
                    new Watcher.Listener() {
                        @Override
                        public void onEvents(List<Event> events, long revision) {
                            seen.addAll(events);
                        }

                        @Override
                        public void onClosed(RaftKvException errorOrNull) {
                            closed.add(errorOrNull);
                        }
                    });
            Map<Long, String> acked = new TreeMap<>();
            List<NodeProcess> members = new ArrayList<>(cluster.running());
            int i = 0;
            for (NodeProcess victim : members) {
                for (int n = 0; n < 40; n++, i++) {
                    PutResponse r = writer.blocking().put("w/" + (i % 17), "v" + i);
                    acked.put(r.getHeader().getRevision(), "v" + i);
                }
                victim.kill();
                for (int n = 0; n < 20; n++, i++) {
                    PutResponse r = writer.blocking().put("w/" + (i % 17), "v" + i);
                    acked.put(r.getHeader().getRevision(), "v" + i);
                }
                victim.start();
                cluster.awaitLeader();
            }
            long last = writer.blocking().put("w/last", "end").getHeader().getRevision();
            acked.put(last, "end");

            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(() ->
                            !seen.isEmpty() && seen.get(seen.size() - 1).getKv().getModRevision() >= last);
            List<Long> revisions =
                    seen.stream().map(e -> e.getKv().getModRevision()).toList();
            List<Long> expected = new ArrayList<>();
            for (long r = 2; r <= last; r++) {
                expected.add(r);
            }
            assertThat(revisions).as("every revision once, in order").containsExactlyElementsOf(expected);
            for (Event e : seen) {
                String want = acked.get(e.getKv().getModRevision());
                if (want != null) {
                    assertThat(e.getKv().getValue().toStringUtf8()).isEqualTo(want);
                }
            }
            assertThat(closed).as("the watch never ended").isEmpty();
            assertThat(watcher.resumes())
                    .as("the watcher resumed after crashes")
                    .isPositive();
            watcher.close();
        }
    }
}
