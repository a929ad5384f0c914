package io.raftkv.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.chaos.run.ChaosCampaign;
import io.raftkv.chaos.run.FaultSchedule;
import io.raftkv.chaos.run.RunSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The full chaos gate of issue 7 ({@code make chaos}), not part of {@code make test}: the eight
 * gate fault kinds × 5 histories × 60 s each on 3 nodes, each history on a fresh cluster with its
 * own seed. Pass means, in every history: verdict LINEARIZABLE (UNKNOWN fails), 0 lost writes,
 * 0 retries answered differently, equal replica hashes, and at least 6,000 operations.
 *
 * <p>Settings (system properties): {@code chaos.gate=true} (required), {@code chaos.histories}
 * (5), {@code chaos.seconds} (60), {@code chaos.nodes} (cluster sizes, e.g. {@code 3,5}; default 3),
 * {@code chaos.faults} (default: the gate's eight), {@code chaos.reads} (LINEARIZABLE or LEASE gets), {@code chaos.minOps} (6000), {@code chaos.seed},
 * {@code chaos.dir}. The table is printed at the end and kept in {@code summary.txt}, rewritten
 * after every history.
 */
@EnabledIfSystemProperty(named = "chaos.gate", matches = "true")
class ChaosGateTest {

    @Test
    void everyGateFaultKeepsTheClusterLinearizable() {
        int histories = Integer.getInteger("chaos.histories", 5);
        Duration total = Duration.ofSeconds(Long.getLong("chaos.seconds", 60));
        long minOps = Long.getLong("chaos.minOps", 6000);
        List<Integer> sizes = Arrays.stream(
                        System.getProperty("chaos.nodes", "3").split(","))
                .map(String::trim)
                .map(Integer::parseInt)
                .toList();
        List<String> faults = ChaosTestSupport.selectedFaults().isEmpty()
                ? ChaosTestSupport.names(ChaosTestSupport.gateFaults())
                : ChaosTestSupport.selectedFaults();
        Path dir = ChaosTestSupport.campaignDir("gate");
        long seed = ChaosTestSupport.baseSeed("chaos gate");
        System.out.printf(
                "chaos gate: %s x %d histories x %s on %s nodes, histories under %s%n",
                faults, histories, total, sizes, dir);
        ChaosCampaign campaign = new ChaosCampaign(dir, System.out);
        int run = 0;
        for (int nodes : sizes) {
            for (String fault : faults) {
                for (int h = 1; h <= histories; h++) {
                    run++;
                    campaign.run(new RunSpec(
                            fault,
                            ChaosTestSupport.fault(fault),
                            nodes,
                            seed + run,
                            FaultSchedule.gate(total),
                            ChaosTestSupport.workload(),
                            minOps,
                            ChaosTestSupport.nodeJar(),
                            dir.resolve(String.format("%03d-%s-n%d-h%d", run, fault, nodes, h)),
                            false));
                }
            }
        }
        System.out.print(campaign.summary());
        assertThat(campaign.allPassed())
                .as("every history passes; see %s/summary.txt", dir)
                .isTrue();
    }
}
