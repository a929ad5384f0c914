package io.raftkv.bench.fake;

import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetCallException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * An in-memory {@link Target} for load-generator tests. Call number {@code n} (from 0) is answered
 * by {@code outcome.apply(n)}: null for success, else the gRPC code to fail with. Answers come from
 * a worker thread (like a real client's event loop) unless {@link #hold()} keeps them until
 * {@link #releaseAll()}. Records the peak number of calls in flight.
 */
public final class ScriptedTarget implements Target {
    private final LongFunction<String> outcome;
    private final ExecutorService completer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "scripted-target");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong puts = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final List<Runnable> held = new ArrayList<>();
    private volatile boolean holding;
    private final boolean supportsLease;

    public ScriptedTarget(LongFunction<String> outcome, boolean supportsLease) {
        this.outcome = outcome;
        this.supportsLease = supportsLease;
    }

    public static ScriptedTarget alwaysOk() {
        return new ScriptedTarget(n -> null, true);
    }

    /** From now on, answers wait for {@link #releaseAll()}. */
    public void hold() {
        holding = true;
    }

    public void releaseAll() {
        List<Runnable> toRun;
        synchronized (held) {
            holding = false;
            toRun = new ArrayList<>(held);
            held.clear();
        }
        toRun.forEach(completer::execute);
    }

    public long calls() {
        return calls.get();
    }

    public long puts() {
        return puts.get();
    }

    public int peakInFlight() {
        return peakInFlight.get();
    }

    @Override
    public CompletionStage<Void> put(byte[] key, byte[] value) {
        puts.incrementAndGet();
        return answer();
    }

    @Override
    public CompletionStage<Void> get(byte[] key, ReadMode mode) {
        return answer();
    }

    private CompletionStage<Void> answer() {
        long n = calls.getAndIncrement();
        peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        CompletableFuture<Void> f = new CompletableFuture<>();
        String code = outcome.apply(n);
        Runnable complete = () -> {
            inFlight.decrementAndGet();
            if (code == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(new TargetCallException(code, "scripted failure of call " + n, null));
            }
        };
        synchronized (held) {
            if (holding) {
                held.add(complete);
                return f;
            }
        }
        completer.execute(complete);
        return f;
    }

    @Override
    public boolean supports(ReadMode mode) {
        return supportsLease || mode != ReadMode.LEASE;
    }

    @Override
    public String describe() {
        return "scripted";
    }

    @Override
    public void close() {
        completer.shutdownNow();
    }
}
