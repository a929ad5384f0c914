package io.raftkv.operator.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

/** A pod's node refused its volume when its container's current or last run exited with code 3. */
class StorageRefusedPodTest {

    private static Pod pod(Integer currentExit, Integer lastExit) {
        ContainerStatusBuilder cs =
                new ContainerStatusBuilder().withName("raftkv").withReady(false);
        cs.withState(
                currentExit == null
                        ? new ContainerStateBuilder()
                                .withNewWaiting()
                                .withReason("CrashLoopBackOff")
                                .endWaiting()
                                .build()
                        : new ContainerStateBuilder()
                                .withNewTerminated()
                                .withExitCode(currentExit)
                                .endTerminated()
                                .build());
        if (lastExit != null) {
            cs.withLastState(new ContainerStateBuilder()
                    .withNewTerminated()
                    .withExitCode(lastExit)
                    .endTerminated()
                    .build());
        }
        return new PodBuilder()
                .withNewMetadata()
                .withName("kv-2")
                .endMetadata()
                .withNewStatus()
                .withPhase("Running")
                .withContainerStatuses(cs.build())
                .endStatus()
                .build();
    }

    @Test
    void exitCodeThreeInTheCurrentOrLastRunMeansTheVolumeWasRefused() {
        assertThat(MembershipOrchestrator.storageRefused(pod(null, 3))).isTrue();
        assertThat(MembershipOrchestrator.storageRefused(pod(3, null))).isTrue();
        assertThat(MembershipOrchestrator.storageRefused(pod(null, 1)))
                .as("another failure")
                .isFalse();
        assertThat(MembershipOrchestrator.storageRefused(pod(null, null))).isFalse();
        assertThat(MembershipOrchestrator.storageRefused(new PodBuilder().build()))
                .isFalse();
    }
}
