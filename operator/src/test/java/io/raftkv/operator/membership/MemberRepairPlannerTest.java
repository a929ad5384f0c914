package io.raftkv.operator.membership;

import static io.raftkv.operator.membership.ClusterScenario.T0;
import static io.raftkv.operator.membership.ClusterScenario.stable;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import io.raftkv.operator.api.v1alpha1.ClusterOperation.Kind;
import io.raftkv.operator.membership.MembershipStep.AddLearner;
import io.raftkv.operator.membership.MembershipStep.DeletePod;
import io.raftkv.operator.membership.MembershipStep.DeleteVolume;
import io.raftkv.operator.membership.MembershipStep.DisarmCorrupt;
import io.raftkv.operator.membership.MembershipStep.Promote;
import io.raftkv.operator.membership.MembershipStep.RemoveForRepair;
import io.raftkv.operator.membership.MembershipStep.TransferLeadership;
import io.raftkv.operator.membership.MembershipStep.Wait;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * spec.memberRepair=Automatic: a member whose volume its node refuses, or that the CORRUPT alarm
 * names, is removed (never at the cost of the quorum; after a transfer if it leads), its old volume
 * and pod deleted, its fresh successor added and promoted, and a removed member's CORRUPT alarm
 * disarmed. Manual keeps the report-only behaviour.
 */
class MemberRepairPlannerTest {

    private final MembershipPlanner planner = new MembershipPlanner(MembershipSettings.DEFAULTS);
    private static final Instant OLD = T0.minus(Duration.ofDays(3));

    private MembershipPlan plan(ClusterScenario s) {
        return planner.plan(s.build());
    }

    private static ClusterOperation repairOf(String pod, String step) {
        return new ClusterOperation(
                Kind.RepairMember, pod, "3", step, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", null);
    }

    @Test
    void aRefusedVolumeIsRepairedStepByStep() {
        // 1. The member whose node refuses its volume leaves the configuration.
        MembershipPlan remove = plan(stable(3, 3).autoRepair().storageRefused(2).inactive(3));
        assertThat(remove.step()).isInstanceOf(RemoveForRepair.class);
        RemoveForRepair r = (RemoveForRepair) remove.step();
        assertThat(r.memberId()).isEqualTo(3);
        assertThat(r.ordinal()).isEqualTo(2);
        assertThat(r.why()).contains("refuses its volume");
        assertThat(remove.operation().orElseThrow().getKind()).isEqualTo(Kind.RepairMember);
        assertThat(remove.problem()).isEmpty();

        // 2. Out of the configuration, its old volume (created before the repair began) goes, with the pod.
        ClusterScenario removed = stable(2, 3)
                .autoRepair()
                .statefulSet(3)
                .storageRefused(2)
                .claimCreated(2, OLD)
                .operation(repairOf("kv-2", "RemoveMember"))
                .at(T0.plusSeconds(5));
        assertThat(plan(removed).step()).isEqualTo(new DeleteVolume(2));

        // 3. Recreated while the old claim was still going away: no claim, pod pending -> deleted again.
        ClusterScenario stuck = stable(2, 3)
                .autoRepair()
                .statefulSet(3)
                .pod(2, false, false, "r1")
                .operation(repairOf("kv-2", "DeleteVolume"))
                .at(T0.plusSeconds(20));
        assertThat(plan(stuck).step()).isEqualTo(new DeletePod(2));

        // 4. On its fresh volume the pod answers as an empty node: its member is added, the repair goes on.
        ClusterScenario fresh = stable(2, 3)
                .autoRepair()
                .statefulSet(3)
                .pod(2, true, false, "r1")
                .joining(2, 77)
                .claimCreated(2, T0.plusSeconds(30))
                .operation(repairOf("kv-2", "DeleteVolume"))
                .at(T0.plusSeconds(40));
        MembershipPlan add = plan(fresh);
        assertThat(add.step()).isEqualTo(new AddLearner(2, 77));
        assertThat(add.operation().orElseThrow().getKind()).isEqualTo(Kind.RepairMember);

        // 5. Caught up, it is promoted, still as the repair.
        ClusterScenario learner = stable(2, 3)
                .autoRepair()
                .statefulSet(3)
                .pod(2, true, false, "r1")
                .learner(2, 77, 1000)
                .claimCreated(2, T0.plusSeconds(30))
                .operation(repairOf("kv-2", "AddLearner"))
                .at(T0.plusSeconds(50));
        MembershipPlan promote = plan(learner);
        assertThat(promote.step()).isEqualTo(new Promote(2, 77));
        assertThat(promote.operation().orElseThrow().getKind()).isEqualTo(Kind.RepairMember);
    }

    @Test
    void aCorruptMemberIsRemovedAndItsAlarmDisarmedOnceItIsGone() {
        MembershipPlan remove = plan(stable(3, 3).autoRepair().corrupt(3));
        assertThat(remove.step()).isInstanceOf(RemoveForRepair.class);
        assertThat(((RemoveForRepair) remove.step()).why()).contains("CORRUPT alarm names member 3");

        MembershipPlan disarm = plan(stable(2, 3)
                .autoRepair()
                .statefulSet(3)
                .corrupt(3)
                .claimCreated(2, OLD)
                .operation(repairOf("kv-2", "RemoveMember"))
                .at(T0.plusSeconds(5)));
        assertThat(disarm.step()).isEqualTo(new DisarmCorrupt(3));
        assertThat(disarm.operation().orElseThrow().getPod()).isEqualTo("kv-2");
    }

    @Test
    void aCorruptLeaderHandsLeadershipOverFirst() {
        MembershipPlan plan = plan(stable(3, 3).autoRepair().corrupt(1));
        assertThat(plan.step()).isInstanceOf(TransferLeadership.class);
        assertThat(plan.operation().orElseThrow().getKind()).isEqualTo(Kind.RepairMember);
    }

    @Test
    void neverAtTheCostOfTheQuorum() {
        // Member 2 is down too: removing member 3 would leave 2 voters with only 1 ready.
        Wait wait = (Wait)
                plan(stable(3, 3).autoRepair().storageRefused(2).inactive(3).pod(1, true, false, "r1"))
                        .step();
        assertThat(wait.waitingFor()).isEqualTo(MembershipPlanner.QUORUM_AT_RISK);
        assertThat(wait.needsIntervention()).isTrue();
        assertThat(wait.message()).contains("member 3", "needs repair", "would leave 2 voters");
    }

    @Test
    void manualRepairOnlyReports() {
        assertThat(((Wait) plan(stable(3, 3).storageRefused(2).inactive(3)).step()).waitingFor())
                .isEqualTo(MembershipPlanner.STORAGE_REFUSED);
        assertThat(plan(stable(3, 3).corrupt(3)).step()).isInstanceOf(MembershipStep.Idle.class);
    }
}
