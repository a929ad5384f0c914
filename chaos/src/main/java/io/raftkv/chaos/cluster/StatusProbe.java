package io.raftkv.chaos.cluster;

import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.RetryPolicy;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.testkit.LeaderAgreement;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Asks many nodes for their Status at once, each pinned to its own endpoint with one attempt and a
 * short deadline, so one paused or partitioned node costs one deadline, not one per node.
 * Thread-safe (the client is).
 */
final class StatusProbe implements AutoCloseable {
    /** Deadline of one Status call: a healthy node answers in milliseconds even under load. */
    static final Duration STATUS_DEADLINE = Duration.ofSeconds(1);

    private final RaftKvClient client;

    /** @param credentials TLS and token of a user allowed Status, or null when the nodes speak plaintext */
    StatusProbe(Vertx vertx, io.raftkv.api.client.ClientCredentials credentials) {
        // The endpoint list is required but unused: every call is pinned to a node.
        this.client = RaftKvClient.builder()
                .vertx(vertx)
                .endpoints(List.of(new Endpoint("127.0.0.1", 1)))
                .deadline(STATUS_DEADLINE)
                .attemptTimeout(STATUS_DEADLINE)
                .retryPolicy(RetryPolicy.NONE)
                .credentials(credentials)
                .build();
    }

    /** Each node's Status, or empty for a node that did not answer in time. Order of {@code nodes} kept. */
    Map<Integer, Optional<StatusResponse>> statuses(Collection<NodeProcess> nodes, boolean includeStateHash) {
        StatusRequest request =
                StatusRequest.newBuilder().setIncludeStateHash(includeStateHash).build();
        Map<Integer, CompletableFuture<Optional<StatusResponse>>> pending = new LinkedHashMap<>();
        for (NodeProcess n : nodes) {
            CompletableFuture<Optional<StatusResponse>> f = new CompletableFuture<>();
            client.status(new Endpoint("127.0.0.1", n.clientPort()), request)
                    .onSuccess(s -> f.complete(Optional.of(s)))
                    .onFailure(e -> f.complete(Optional.empty()));
            pending.put(n.id(), f);
        }
        Map<Integer, Optional<StatusResponse>> out = new LinkedHashMap<>();
        long waitMs = STATUS_DEADLINE.toMillis() + 2_000;
        pending.forEach((id, f) -> out.put(id, await(f, waitMs)));
        return out;
    }

    private static Optional<StatusResponse> await(CompletableFuture<Optional<StatusResponse>> f, long waitMs) {
        try {
            return f.get(waitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * The leader a quorum vouches for ({@link LeaderAgreement#byQuorum}): the node reporting LEADER in
     * the highest term, provided that a majority of the voters in its membership (itself included)
     * answered with that leader and term. An isolated old leader that still believes it leads is
     * therefore not returned, and neither is a leader nobody else has heard of yet.
     */
    static OptionalInt agreedLeader(Map<Integer, Optional<StatusResponse>> statuses) {
        List<LeaderAgreement.View> answered = new ArrayList<>();
        statuses.values().forEach(s -> s.map(StatusProbe::view).ifPresent(answered::add));
        OptionalLong leader = LeaderAgreement.byQuorum(answered);
        return leader.isPresent() ? OptionalInt.of((int) leader.getAsLong()) : OptionalInt.empty();
    }

    /** What the test kit's leader rules read from a Status answer. */
    static LeaderAgreement.View view(StatusResponse s) {
        return new LeaderAgreement.View(
                s.getId(),
                s.getRole() == Role.LEADER,
                s.getLeaderId(),
                s.getTerm(),
                s.getLearner(),
                s.getMembersList().stream()
                        .filter(m -> m.getRole() == MemberRole.VOTER)
                        .map(m -> m.getId())
                        .collect(Collectors.toSet()));
    }

    @Override
    public void close() {
        client.close();
    }
}
