package io.raftkv.e2e.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.e2e.history.OpKind;
import io.raftkv.e2e.history.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Histories generated from a real sequential register must pass; the same histories with one read
 * corrupted must fail. Seeds are printed (target/surefire-reports/*-output.txt) and in assertion
 * messages; replay one with {@code -Dcheck.seed=N}.
 */
class RandomizedHistoryTest {
    private final LinearizabilityChecker checker = new LinearizabilityChecker();

    static LongStream seeds() {
        String replay = System.getProperty("check.seed");
        if (replay != null) {
            return LongStream.of(Long.parseLong(replay));
        }
        // Fixed by default so CI is repeatable; -Dcheck.baseSeed=N (or a fresh number) explores more.
        long base = Long.getLong("check.baseSeed", 20261127L);
        System.out.println("RandomizedHistoryTest base seed " + base);
        return LongStream.range(0, 40).map(i -> base + i);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void validHistoriesPassAndOneCorruptedReadFails(long seed) {
        System.out.println("seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        int clients = 2 + random.nextInt(8);
        // Up to 5 % unknown outcomes: a chaos run sees timeouts only while a fault is active. Far
        // more unknown writes on one key can exhaust the search budget (verdict UNKNOWN, reported).
        double unknownShare = random.nextDouble() * 0.05;
        List<Operation> history = new RegisterHistoryGenerator(
                        seed, clients, 1 + random.nextInt(4), 1_000 + random.nextInt(100_000), unknownShare)
                .generate(200 + random.nextInt(400));

        CheckReport valid = checker.check(history);
        assertThat(valid.verdict())
                .as("seed %d: valid by construction%n%s", seed, valid.render())
                .isEqualTo(Verdict.LINEARIZABLE);

        List<Operation> corrupted = RegisterHistoryGenerator.withStaleRead(history, random);
        if (corrupted != null) {
            CheckReport report = checker.check(corrupted);
            assertThat(report.verdict())
                    .as("seed %d: one read corrupted to an overwritten value%n%s", seed, report.render())
                    .isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(report.smallestViolation().orElseThrow().anomaly())
                    .as("seed %d%n%s", seed, report.render())
                    .isIn(Anomaly.STALE_READ, Anomaly.LOST_WRITE);
        }

        List<Operation> ghost = withNeverWrittenRead(history, random);
        if (ghost != null) {
            CheckReport report = checker.check(ghost);
            assertThat(report.verdict())
                    .as("seed %d: one read of a never-written value%n%s", seed, report.render())
                    .isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(report.smallestViolation().orElseThrow().anomaly())
                    .as("seed %d%n%s", seed, report.render())
                    .isEqualTo(Anomaly.OTHER);
        }
    }

    /**
     * The size the issue names: about 1,000 operations per key from 8 clients, 5 % unknown.
     * Prints the time per key; the bound asserted is on states explored (deterministic), a proxy
     * for time that does not flake on a busy machine.
     */
    @Test
    void thousandOperationsPerKeyFromEightClients() {
        // Fixed by default: with a rare seed the corrupted 1,000-op key exhausts the checker's state
        // budget (verdict UNKNOWN, never a pass; see docs/testing.md). -Dcheck.seed=N explores others.
        long seed = Long.getLong("check.seed", 20261127L);
        System.out.println("thousandOperationsPerKeyFromEightClients seed " + seed);
        int keys = 4;
        List<Operation> history = new RegisterHistoryGenerator(seed, 8, keys, 50_000, 0.05).generate(keys * 1000);
        CheckReport report = checker.check(history);
        assertThat(report.verdict()).as("seed %d%n%s", seed, report.render()).isEqualTo(Verdict.LINEARIZABLE);
        for (KeyVerdict key : report.keys()) {
            System.out.printf(
                    "seed %d key %s: %d ops, %d states, %.1f ms%n",
                    seed, key.key(), key.operationsChecked(), key.statesExplored(), key.elapsedNs() / 1e6);
            assertThat(key.statesExplored())
                    .as("seed %d key %s", seed, key.key())
                    .isLessThan(200L * key.operationsChecked());
        }
        System.out.printf("seed %d total %.1f ms for %d ops%n", seed, report.elapsedNs() / 1e6, history.size());

        List<Operation> corrupted = RegisterHistoryGenerator.withStaleRead(history, new SplittableRandom(seed));
        assertThat(corrupted).as("seed %d: a read to corrupt", seed).isNotNull();
        CheckReport failing = checker.check(corrupted);
        assertThat(failing.verdict()).as("seed %d%n%s", seed, failing.render()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        System.out.printf(
                "seed %d corrupted: %.1f ms, %s%n",
                seed,
                failing.elapsedNs() / 1e6,
                failing.smallestViolation().orElseThrow().anomaly());
    }

    private static List<Operation> withNeverWrittenRead(List<Operation> history, SplittableRandom random) {
        List<Integer> reads = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            if (history.get(i).op() == OpKind.GET && !history.get(i).unknown()) {
                reads.add(i);
            }
        }
        if (reads.isEmpty()) {
            return null;
        }
        int index = reads.get(random.nextInt(reads.size()));
        Operation read = history.get(index);
        List<Operation> corrupted = new ArrayList<>(history);
        corrupted.set(index, Operation.get(read.client(), read.key(), "never-written", read.callNs(), read.returnNs()));
        return corrupted;
    }
}
