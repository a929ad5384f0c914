package io.raftkv.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.chaos.run.ChaosCampaign;
import io.raftkv.chaos.run.FaultSchedule;
import io.raftkv.chaos.run.RunResult;
import io.raftkv.chaos.run.RunSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The short chaos run of {@code make test} (issue 7): every fault kind once, on a fresh 3-node
 * cluster of real node processes, about {@value #SECONDS_DEFAULT} s of load each, 5 % of
 * acknowledged writes re-sent on purpose with the same session. Each fault fails on a
 * linearizability violation, an UNKNOWN verdict (not verified), a lost acknowledged write, a retry
 * answered differently, unequal replica hashes, a node that died on its own, or a workload that
 * barely ran. The summary table is printed at the end and kept in {@code summary.txt} beside the
 * histories ({@code target/chaos/short-*}).
 *
 * <p>The {@value #TLS_KINDS} run (and {@code rotate-ca}, always) has TLS and authentication on,
 * so CI sees TLS under a fault other than a rotation: peers reconnecting with mutual TLS to a
 * restarted leader, the workload's clients handshaking again. {@code -Dchaos.tls.kinds=a,b}
 * chooses other kinds ({@code -Dchaos.tls.kinds=} none), {@code -Dchaos.tls=true} all of them.
 *
 * <p>{@code -Dchaos.short.seconds=N} changes the length, {@code -Dchaos.seed=N} replays the seeds,
 * {@code -Dchaos.faults=kill-leader,...} runs only some kinds.
 */
class ChaosShortRunTest {
    static final long SECONDS_DEFAULT = 15;
    /** Proof that the workload ran; low because a shared 2-core CI machine may serve only tens of operations a second. */
    static final long MIN_OPS = 100;
    /** The kinds this run runs with TLS on unless {@code -Dchaos.tls.kinds} says otherwise. */
    static final String TLS_KINDS = "kill-leader";

    /** Whether {@link #startCampaign} set {@code chaos.tls.kinds} (and so clears it). */
    private static boolean tlsKindsSet;

    private static ChaosCampaign campaign;
    private static Path dir;
    private static long baseSeed;

    @BeforeAll
    static void startCampaign() {
        if (System.getProperty("chaos.tls.kinds") == null) {
            System.setProperty("chaos.tls.kinds", TLS_KINDS);
            tlsKindsSet = true;
        }
        dir = ChaosTestSupport.campaignDir("short");
        baseSeed = ChaosTestSupport.baseSeed("short chaos run");
        campaign = new ChaosCampaign(dir, System.out);
    }

    /** Every kind, or those named in {@code -Dchaos.faults=a,b} (to replay one); the index keeps seeds stable. */
    static Stream<Arguments> faultKinds() {
        var names = ChaosTestSupport.names(ChaosTestSupport.allFaults());
        var only = ChaosTestSupport.selectedFaults();
        return IntStream.range(0, names.size())
                .filter(i -> only.isEmpty() || only.contains(names.get(i)))
                .mapToObj(i -> Arguments.of(names.get(i), i));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faultKinds")
    void clusterStaysLinearizableUnder(String fault, int index) {
        ChaosTestSupport.nodeJar(); // fails with a clear message before anything starts if the jar is missing
        Duration total = Duration.ofSeconds(Long.getLong("chaos.short.seconds", SECONDS_DEFAULT));
        RunSpec spec = new RunSpec(
                fault,
                ChaosTestSupport.fault(fault),
                3,
                baseSeed + index,
                FaultSchedule.shortRun(total),
                ChaosTestSupport.workload(),
                MIN_OPS,
                ChaosTestSupport.nodeJar(),
                dir.resolve(String.format("%02d-%s", index + 1, fault)),
                false);

        RunResult r = campaign.run(spec);

        assertThat(r.problems())
                .as(
                        "run %s (seed %s, dir %s):%n%s",
                        fault,
                        r.seed(),
                        r.dir(),
                        r.report() == null ? "no report" : r.report().render())
                .isEmpty();
        assertThat(r.responsesDropped())
                .as("retry mode re-sent some acknowledged writes")
                .isPositive();
    }

    @AfterAll
    static void printSummary() {
        if (tlsKindsSet) {
            System.clearProperty("chaos.tls.kinds");
        }
        if (campaign != null) {
            System.out.print(campaign.summary());
        }
    }
}
