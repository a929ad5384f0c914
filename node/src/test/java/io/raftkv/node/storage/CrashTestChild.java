package io.raftkv.node.storage;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The process {@link CrashTest} kills: opens the storage (running the start-up checks), then appends
 * entries with group commit until killed (at most 120 s), keeping several persists in flight, and prints
 * {@code ACK <index>} on stdout once the write holding entries up to {@code index} is durable.
 * Args: {@code <dataDir> <seed>}.
 */
public final class CrashTestChild {
    static final int MAX_IN_FLIGHT = 8;

    private CrashTestChild() {}

    /** The payload of entry {@code index}: unique per index, so a misplaced entry is detected. */
    static byte[] payload(long index) {
        byte[] data = new byte[64 + (int) (index % 193)];
        new SplittableRandom(index * 0x9E3779B97F4A7C15L).nextBytes(data);
        return data;
    }

    public static void main(String[] args) throws Exception {
        exitWhenParentGoes();
        NodeStorage storage = NodeStorage.open(Path.of(args[0]), StorageOptions.defaults());
        Random rnd = new Random(Long.parseLong(args[1]));
        RaftLogStorage log = storage.raftLog();
        log.bootstrap(ConfState.ofVoters(1L));
        System.out.println("OPENED " + log.lastIndex());
        System.out.flush();
        ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
        long term = Math.max(1, log.hardState().term());
        long commit = log.hardState().commit();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            long first = log.lastIndex() + 1;
            int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 32);
            List<Entry> es = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                es.add(new Entry(term, first + i, EntryType.NORMAL, payload(first + i)));
            }
            long last = first + n - 1;
            CompletableFuture<Void> durable = log.persist(new HardState(term, 1, commit), es, null);
            durable.thenRun(() -> {
                System.out.println("ACK " + last);
                System.out.flush();
            });
            commit = first - 1;
            inFlight.add(durable);
            if (inFlight.size() >= MAX_IN_FLIGHT) {
                inFlight.poll().join();
            }
        }
        Runtime.getRuntime().halt(3); // never killed: the parent is gone or stuck
    }

    /** Stdin is the parent's pipe: end of input means the parent died, so stop at once. */
    private static void exitWhenParentGoes() {
        Thread t = new Thread(
                () -> {
                    try {
                        while (System.in.read() >= 0) {
                            // discard
                        }
                    } catch (java.io.IOException ignored) {
                        // parent gone
                    }
                    Runtime.getRuntime().halt(4);
                },
                "parent-watch");
        t.setDaemon(true);
        t.start();
    }
}
