package io.raftkv.chaos.workload;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.ClientCredentials;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.RetryPolicy;
import io.raftkv.api.client.Watcher;
import io.raftkv.api.v1.Event;
import io.raftkv.api.v1.WatchCreateRequest;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Watchers for a chaos run: {@code n} client {@link Watcher}s on the workload's key prefix from
 * revision 1 with prev_kv, each through its own client that prefers a different member, started
 * {@link #STAGGER} apart (so later ones catch up from the history while changes keep coming). They
 * resume by themselves through the faults. After the final reads, {@link #finish} writes an end
 * marker and waits until every watcher has received it; the events then go to the run's watch
 * checker and to {@code watch-N.txt} in the run directory.
 */
public final class WatchUsers implements AutoCloseable {
    /** The end marker's key: written once after the final reads; checkers ignore it. */
    public static final String END_MARKER = "key-~watch-end";

    /** Delay between two watchers' starts. */
    public static final Duration STAGGER = Duration.ofSeconds(2);

    private final List<RaftKvClient> clients = new ArrayList<>();
    private final List<Watcher> watchers = Collections.synchronizedList(new ArrayList<>());
    private final List<List<WatchedEvent>> streams = new ArrayList<>();
    private final List<CountDownLatch> sawEnd = new ArrayList<>();
    private final List<String> terminal = Collections.synchronizedList(new ArrayList<>());
    private final Vertx vertx;
    private final List<Long> timers = new ArrayList<>();

    private WatchUsers(Vertx vertx) {
        this.vertx = vertx;
    }

    /**
     * Starts {@code n} watchers of {@code prefix} (the first at once, the others {@link #STAGGER}
     * apart), on TLS with {@code credentials} (null: plaintext).
     */
    public static WatchUsers start(
            int n, String prefix, List<Endpoint> endpoints, Vertx vertx, ClientCredentials credentials) {
        WatchUsers u = new WatchUsers(vertx);
        for (int i = 0; i < n; i++) {
            List<Endpoint> rotated = new ArrayList<>(endpoints);
            Collections.rotate(rotated, -(i % endpoints.size()));
            RaftKvClient client = RaftKvClient.builder()
                    .vertx(vertx)
                    .endpoints(rotated)
                    .deadline(Duration.ofSeconds(10))
                    .attemptTimeout(Duration.ofSeconds(2))
                    .retryPolicy(new RetryPolicy(50, Duration.ofMillis(20), Duration.ofMillis(500), 0.2))
                    .credentials(credentials)
                    .build();
            u.clients.add(client);
            List<WatchedEvent> stream = Collections.synchronizedList(new ArrayList<>());
            u.streams.add(stream);
            CountDownLatch end = new CountDownLatch(1);
            u.sawEnd.add(end);
            int index = i;
            Runnable open = () -> u.watchers.add(client.watch(
                    WatchCreateRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8(prefix))
                            .setPrefix(true)
                            .setStartRevision(1)
                            .setPrevKv(true)
                            .build(),
                    new Watcher.Listener() {
                        @Override
                        public void onEvents(List<Event> events, long revision) {
                            for (Event e : events) {
                                WatchedEvent w = convert(e);
                                stream.add(w);
                                if (w.key().startsWith(END_MARKER)) {
                                    end.countDown();
                                }
                            }
                        }

                        @Override
                        public void onClosed(RaftKvException errorOrNull) {
                            if (errorOrNull != null) {
                                u.terminal.add("watcher " + index + " ended: " + errorOrNull.getMessage());
                            }
                        }
                    }));
            if (i == 0) {
                open.run();
            } else {
                u.timers.add(vertx.setTimer(STAGGER.toMillis() * i, t -> open.run()));
            }
        }
        return u;
    }

    static WatchedEvent convert(Event e) {
        boolean delete = e.getType() == Event.EventType.DELETE;
        return new WatchedEvent(
                e.getKv().getModRevision(),
                delete,
                e.getKv().getKey().toStringUtf8(),
                delete ? null : e.getKv().getValue().toStringUtf8(),
                delete ? 0 : e.getKv().getVersion(),
                e.hasPrevKv() ? e.getPrevKv().getValue().toStringUtf8() : null,
                e.hasPrevKv() ? e.getPrevKv().getModRevision() : 0);
    }

    /**
     * Writes the end marker (through {@code client}'s retries) and waits up to {@code timeout} until
     * every watcher received it; then writes each stream to {@code dir/watch-N.txt}.
     *
     * @return the streams, in watcher order
     * @throws IllegalStateException if a watcher ended or did not see the marker in time
     */
    public List<List<WatchedEvent>> finish(Path dir, Duration timeout) throws IOException, InterruptedException {
        clients.get(0).blocking().put(END_MARKER, "end");
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> late = new ArrayList<>();
        for (int i = 0; i < sawEnd.size(); i++) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!sawEnd.get(i).await(left, TimeUnit.NANOSECONDS)) {
                late.add("watcher " + i);
            }
        }
        List<List<WatchedEvent>> out = new ArrayList<>();
        for (int i = 0; i < streams.size(); i++) {
            List<WatchedEvent> copy;
            synchronized (streams.get(i)) {
                copy = List.copyOf(streams.get(i));
            }
            out.add(copy);
            List<String> lines = new ArrayList<>(copy.size());
            copy.forEach(e -> lines.add(e.line()));
            Files.write(dir.resolve("watch-" + i + ".txt"), lines, StandardCharsets.UTF_8);
        }
        if (!terminal.isEmpty()) {
            throw new IllegalStateException("a watcher ended: " + terminal);
        }
        if (!late.isEmpty()) {
            throw new IllegalStateException(late + " did not receive the end marker within " + timeout);
        }
        return out;
    }

    /** How often the watchers resumed on another stream, in total. */
    public long resumes() {
        synchronized (watchers) {
            return watchers.stream().mapToLong(Watcher::resumes).sum();
        }
    }

    @Override
    public void close() {
        timers.forEach(vertx::cancelTimer);
        synchronized (watchers) {
            watchers.forEach(Watcher::close);
        }
        clients.forEach(RaftKvClient::closeAsync);
    }
}
