package io.raftkv.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.chaos.run.ChaosCampaign;
import io.raftkv.chaos.run.ChaosRun;
import io.raftkv.chaos.run.FaultSchedule;
import io.raftkv.chaos.run.RunResult;
import io.raftkv.chaos.run.RunSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The short chaos run of {@code make test} for etcd's v3lock and v3election services (issue 21):
 * one kill-leader run on 3 real node processes with 3 lock users and 3 election users beside the
 * workload ({@code EtcdRecipeUsers}); it fails when two holders held the lock at once, two leaders
 * led one term, an observed leader was not elected, or anything the other short runs check.
 * {@code -Dchaos.etcdRecipes.fault=partition-minority} picks another fault, {@code -Dchaos.seed=N}
 * replays.
 */
class EtcdRecipesChaosTest {
    @Test
    void etcdLocksAndElectionsStayExclusiveUnderAFault() throws Exception {
        String fault = System.getProperty("chaos.etcdRecipes.fault", "kill-leader");
        Path dir = ChaosTestSupport.campaignDir("etcd-recipes");
        long seed = ChaosTestSupport.baseSeed("etcd lock/election chaos run");
        ChaosCampaign campaign = new ChaosCampaign(dir, System.out);
        RunSpec spec = new RunSpec(
                fault,
                ChaosTestSupport.fault(fault),
                3,
                seed,
                FaultSchedule.shortRun(Duration.ofSeconds(Long.getLong("chaos.short.seconds", 15))),
                ChaosTestSupport.workload(),
                ChaosShortRunTest.MIN_OPS,
                ChaosTestSupport.nodeJar(),
                dir.resolve("01-" + fault),
                false);
        String locks = System.getProperty(ChaosRun.ETCD_LOCKS_PROPERTY);
        String elections = System.getProperty(ChaosRun.ETCD_ELECTIONS_PROPERTY);
        System.setProperty(ChaosRun.ETCD_LOCKS_PROPERTY, "3");
        System.setProperty(ChaosRun.ETCD_ELECTIONS_PROPERTY, "3");
        RunResult r;
        try {
            r = campaign.run(spec);
        } finally {
            restore(ChaosRun.ETCD_LOCKS_PROPERTY, locks);
            restore(ChaosRun.ETCD_ELECTIONS_PROPERTY, elections);
            System.out.print(campaign.summary());
        }
        assertThat(r.problems())
                .as("run %s (seed %s, dir %s)", fault, r.seed(), r.dir())
                .isEmpty();
        String report = Files.readString(r.dir().resolve("report.txt"));
        assertThat(report).contains("etcd v3lock holds: ").contains("etcd v3election terms: ");
        assertThat(report).doesNotContain("etcd v3lock holds: 0 ").doesNotContain("etcd v3election terms: 0 ");
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }
}
