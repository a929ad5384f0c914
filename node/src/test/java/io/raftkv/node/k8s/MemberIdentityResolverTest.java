package io.raftkv.node.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.node.k8s.ClusterResource.ClusterResourceException;
import io.raftkv.node.k8s.MemberIdFile.Origin;
import io.raftkv.node.k8s.MemberIdFile.StoredMemberId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemberIdentityResolverTest {
    private static final ObservedClusterStatus NEW_CLUSTER = new ObservedClusterStatus("1", 0, "", Set.of());
    private static final ObservedClusterStatus RUNNING_CLUSTER =
            new ObservedClusterStatus("7", 4, "orders-1", Set.of(1L, 2L, 3L));

    @TempDir
    Path volume;

    private final long seed = new SplittableRandom().nextLong();
    private final List<Long> sleptMs = new ArrayList<>();
    private final Deque<Object> apiAnswers = new ArrayDeque<>();
    private int apiReads;

    @BeforeEach
    void printSeed() {
        System.out.println("MemberIdentityResolverTest seed " + seed);
    }

    private MemberIdentityResolver resolver(String podName, int replicas) {
        return resolver(PodIdentityTest.podEnv(podName, replicas));
    }

    private MemberIdentityResolver resolver(java.util.Map<String, String> env) {
        return resolver(env, false);
    }

    private MemberIdentityResolver resolver(java.util.Map<String, String> env, boolean restoring) {
        PodIdentity pod = PodIdentity.fromEnvironment(env).orElseThrow();
        ClusterResource api = new ClusterResource() {
            @Override
            public ObservedClusterStatus readStatus() {
                apiReads++;
                Object next = apiAnswers.isEmpty()
                        ? new ClusterResourceException("unreachable", true, null)
                        : apiAnswers.poll();
                if (next instanceof RuntimeException e) {
                    throw e;
                }
                return (ObservedClusterStatus) next;
            }

            @Override
            public boolean patchStatus(String resourceVersion, ClusterStatusReport report) {
                throw new AssertionError("identity resolution never writes");
            }
        };
        return new MemberIdentityResolver(
                pod,
                volume,
                () -> api,
                new SplittableRandom(seed),
                new Backoff(500, 10_000, new SplittableRandom(seed)),
                sleptMs::add,
                5,
                restoring);
    }

    @Test
    void initialMemberOfANewClusterBootstrapsWithOrdinalPlusOne() throws Exception {
        apiAnswers.add(NEW_CLUSTER);
        StoredMemberId id = resolver("orders-1", 3).resolve();
        assertThat(id).isEqualTo(new StoredMemberId(2, Origin.BOOTSTRAP));
        assertThat(MemberIdFile.read(volume)).contains(id);
    }

    /** spec.restore: pod 0 restores a snapshot whose members own ids 1..9, so it takes a fresh one. */
    @Test
    void aRestoringBootstrapMemberTakesAFreshId() throws Exception {
        apiAnswers.add(NEW_CLUSTER);
        StoredMemberId id =
                resolver(PodIdentityTest.podEnv("orders-0", 1), true).resolve();
        assertThat(id.origin()).isEqualTo(Origin.BOOTSTRAP);
        assertThat(id.id()).isGreaterThanOrEqualTo(MemberIdentityResolver.FIRST_FRESH_ID);
        assertThat(MemberIdFile.read(volume)).contains(id);
    }

    /**
     * The RaftKvCluster was recreated over volumes of its earlier incarnation (its status, with
     * the "cluster has started" facts, is gone): the operator sets RAFTKV_BOOTSTRAP=false, and an
     * initial pod on a fresh volume joins under a fresh id instead of bootstrapping a second,
     * empty cluster — without even asking the (empty) status.
     */
    @Test
    void initialPodOnAFreshVolumeJoinsWhenTheOperatorForbidsBootstrap() throws Exception {
        apiAnswers.add(NEW_CLUSTER); // what a recreated RaftKvCluster's empty status says
        java.util.Map<String, String> env = new java.util.HashMap<>(PodIdentityTest.podEnv("orders-0", 3));
        env.put("RAFTKV_BOOTSTRAP", "false");
        StoredMemberId id = resolver(env).resolve();
        assertThat(id.origin()).isEqualTo(Origin.JOIN);
        assertThat(id.id()).isGreaterThan(9);
        assertThat(apiReads).isZero();
    }

    @Test
    void restartWithTheVolumeIsTheSameMemberWithoutAskingTheApi() throws Exception {
        apiAnswers.add(NEW_CLUSTER);
        StoredMemberId first = resolver("orders-0", 3).resolve();
        apiAnswers.add(RUNNING_CLUSTER); // would make a fresh volume join; the file wins
        StoredMemberId again = resolver("orders-0", 3).resolve();
        assertThat(again).isEqualTo(first);
        assertThat(apiReads).isEqualTo(1);
    }

    @Test
    void freshVolumeOfAnInitialOrdinalInAnExistingClusterJoinsWithANewId() throws Exception {
        apiAnswers.add(RUNNING_CLUSTER);
        StoredMemberId id = resolver("orders-0", 3).resolve();
        assertThat(id.origin()).isEqualTo(Origin.JOIN);
        assertThat(id.id())
                .isGreaterThanOrEqualTo(MemberIdentityResolver.FIRST_FRESH_ID)
                .isNotIn(1L, 2L, 3L);
        assertThat(MemberIdFile.read(volume)).contains(id);
    }

    @Test
    void laterOrdinalJoinsWithoutAskingTheApiAndEveryFreshVolumeGetsAnotherId() throws Exception {
        StoredMemberId first = resolver("orders-3", 3).resolve();
        assertThat(first.origin()).isEqualTo(Origin.JOIN);
        assertThat(apiReads).isZero();
        Files.delete(MemberIdFile.path(volume)); // the PVC was deleted: a fresh volume for the same pod name
        StoredMemberId second = new MemberIdentityResolver(
                        PodIdentity.fromEnvironment(PodIdentityTest.podEnv("orders-3", 3))
                                .orElseThrow(),
                        volume,
                        () -> null,
                        new SplittableRandom(seed + 1),
                        new Backoff(1, 1, new SplittableRandom(seed)),
                        sleptMs::add,
                        1)
                .resolve();
        assertThat(second.id()).as("seed %d", seed).isNotEqualTo(first.id());
    }

    @Test
    void raftDataWithoutAnIdIsRefused() throws Exception {
        Files.createDirectories(volume.resolve("storage"));
        assertThatThrownBy(() -> resolver("orders-0", 3).resolve())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds Raft data")
                .hasMessageContaining("member-id");
        assertThat(apiReads).isZero();
    }

    @Test
    void retriesTheApiWithBackoffAndNeverGuessesBootstrap() throws Exception {
        apiAnswers.add(new ClusterResourceException("connection refused", true, null));
        apiAnswers.add(new ClusterResourceException("HTTP 503", true, null));
        apiAnswers.add(NEW_CLUSTER);
        assertThat(resolver("orders-2", 3).resolve()).isEqualTo(new StoredMemberId(3, Origin.BOOTSTRAP));
        assertThat(sleptMs).hasSize(2);
        assertThat(sleptMs.get(0)).isBetween(250L, 500L);
        assertThat(sleptMs.get(1)).isBetween(500L, 1000L);

        Files.delete(MemberIdFile.path(volume));
        apiReads = 0;
        assertThatThrownBy(() -> resolver("orders-2", 3).resolve())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refusing to guess");
        assertThat(apiReads).isEqualTo(5);
        assertThat(MemberIdFile.read(volume)).isEmpty();
    }

    @Test
    void forbiddenIsNotRetried() {
        apiAnswers.add(new ClusterResourceException("HTTP 403", false, null));
        assertThatThrownBy(() -> resolver("orders-0", 3).resolve()).hasMessageContaining("HTTP 403");
        assertThat(apiReads).isEqualTo(1);
    }

    @Test
    void freshIdsAvoidTakenIdsAndTheBootstrapRange() {
        MemberIdentityResolver r = resolver("orders-5", 3);
        for (int i = 0; i < 10_000; i++) {
            assertThat(r.freshId(Set.of())).as("seed %d", seed).isBetween(1L << 32, Long.MAX_VALUE - 1);
        }
    }
}
