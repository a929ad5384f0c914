package io.raftkv.cli;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.Watcher;
import io.raftkv.api.v1.Event;
import io.raftkv.api.v1.WatchCreateRequest;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code raftkvctl watch KEY [RANGE_END]}: prints every change of a key, a range or (with
 * {@code --prefix}) a prefix, from {@code --rev} on, as etcdctl does — per event its type, then
 * (with {@code --prev-kv}) the previous key and value, then the key and value, one per line; with
 * {@code -o json} one JSON object per line per event. Runs until interrupted, or until
 * {@code --max-events} events were printed (exit 0). Survives member failures (the client's
 * {@link Watcher} resumes on another member from the last revision printed). A start revision
 * below the compact revision fails OUT_OF_RANGE REVISION_COMPACTED naming it (exit 4).
 */
@Command(
        name = "watch",
        mixinStandardHelpOptions = true,
        description = "Prints every change of KEY (or [KEY, RANGE_END), or the prefix KEY with --prefix) until"
                + " interrupted.")
final class WatchCommand implements Callable<Integer> {
    @ParentCommand
    RaftKvCtl root;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key, the first key of the range, or the prefix.")
    String key;

    @Parameters(index = "1", paramLabel = "RANGE_END", arity = "0..1", description = "Watch [KEY, RANGE_END).")
    String rangeEnd;

    @Option(names = "--prefix", description = "Watch every key starting with KEY (KEY may be \"\": every key).")
    boolean prefix;

    @Option(
            names = "--rev",
            paramLabel = "REVISION",
            defaultValue = "0",
            description = "Start at this revision (every change at it or later); 0: changes from now on.")
    long revision;

    @Option(names = "--prev-kv", description = "Print each event's previous key and value as well.")
    boolean prevKv;

    @Option(
            names = "--max-events",
            paramLabel = "N",
            defaultValue = "0",
            description = "Exit 0 after printing N events (0: run until interrupted).")
    long maxEvents;

    @Override
    public Integer call() throws InterruptedException {
        if (prefix && rangeEnd != null) {
            throw new IllegalArgumentException("--prefix and RANGE_END exclude each other");
        }
        if (key.isEmpty() && !prefix) {
            throw new IllegalArgumentException("KEY must not be empty (use --prefix \"\" to watch every key)");
        }
        if (revision < 0 || maxEvents < 0) {
            throw new IllegalArgumentException("--rev and --max-events must not be negative");
        }
        WatchCreateRequest.Builder request = WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setPrefix(prefix)
                .setStartRevision(revision)
                .setPrevKv(prevKv);
        if (rangeEnd != null) {
            request.setRangeEnd(ByteString.copyFromUtf8(rangeEnd));
        }
        // Printed on the watcher's context: a stdout slower than the changes holds that context up,
        // the member's buffer for this stream fills and it cancels the watcher as slow; the Watcher
        // then resumes from the last revision printed. Nothing is lost and memory stays bounded.
        Output o = root.output();
        CompletableFuture<RaftKvException> done = new CompletableFuture<>();
        AtomicLong printed = new AtomicLong();
        Watcher watcher = root.client().watch(request.build(), new Watcher.Listener() {
            @Override
            public void onEvents(List<Event> events, long rev) {
                for (Event e : events) {
                    if (done.isDone()) {
                        return;
                    }
                    print(o, e);
                    if (maxEvents > 0 && printed.incrementAndGet() >= maxEvents) {
                        done.complete(null);
                    }
                }
            }

            @Override
            public void onClosed(RaftKvException errorOrNull) {
                done.complete(errorOrNull);
            }
        });
        try {
            RaftKvException end = done.get();
            if (end != null) {
                throw end;
            }
            return ExitCode.OK.code();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            watcher.close();
        }
    }

    private void print(Output o, Event e) {
        String type = e.getType() == Event.EventType.DELETE ? "DELETE" : "PUT";
        if (o.json()) {
            JsonObject j = new JsonObject().put("type", type).put("kv", Output.kvJson(e.getKv(), false));
            if (e.hasPrevKv()) {
                j.put("prev_kv", Output.kvJson(e.getPrevKv(), false));
            }
            o.println(j.encode());
            return;
        }
        StringBuilder b = new StringBuilder(type).append('\n');
        if (e.hasPrevKv()) {
            b.append(Output.text(e.getPrevKv().getKey()))
                    .append('\n')
                    .append(Output.text(e.getPrevKv().getValue()))
                    .append('\n');
        }
        b.append(Output.text(e.getKv().getKey()))
                .append('\n')
                .append(Output.text(e.getKv().getValue()));
        o.println(b.toString());
    }
}
