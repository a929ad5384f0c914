package io.raftkv.chaos.run;

import static io.raftkv.api.client.RaftKvClient.utf8;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.ClientCredentials;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.RetryPolicy;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.GetResponse;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.e2e.history.HistoryWriter;
import io.raftkv.e2e.history.OpKind;
import io.raftkv.e2e.history.Operation;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * After the faults healed and the workload stopped: one linearizable read of every key the run
 * used, recorded in the history as operations of one more client, so that the checker sees them
 * (a final read that misses an acknowledged write makes the key non-linearizable) and
 * {@link LostWrites} can count lost writes. A key whose read keeps failing is tried a few times
 * and then recorded as an unknown get and counted, since an unreadable key proves nothing.
 */
public final class FinalReads {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int CALLS_PER_KEY = 3;
    private static final RetryPolicy PATIENT = new RetryPolicy(40, Duration.ofMillis(25), Duration.ofMillis(500), 0.2);

    private FinalReads() {}

    /**
     * @return how many keys could not be read
     */
    public static int readAll(
            List<String> keys,
            List<Endpoint> endpoints,
            Vertx vertx,
            HistoryWriter history,
            int clientId,
            LongSupplier clock) {
        return readAll(keys, endpoints, vertx, history, clientId, clock, null);
    }

    /** Like the other {@code readAll}, on TLS with {@code credentials} (null: plaintext). */
    public static int readAll(
            List<String> keys,
            List<Endpoint> endpoints,
            Vertx vertx,
            HistoryWriter history,
            int clientId,
            LongSupplier clock,
            ClientCredentials credentials) {
        int failures = 0;
        try (RaftKvClient client = RaftKvClient.builder()
                .vertx(vertx)
                .endpoints(endpoints)
                .deadline(DEADLINE)
                .attemptTimeout(Duration.ofSeconds(2))
                .retryPolicy(PATIENT)
                .credentials(credentials)
                .build()) {
            for (String key : keys) {
                Operation read = readOne(client, key, clientId, clock);
                history.append(read);
                if (!read.ok()) {
                    failures++;
                }
            }
        }
        return failures;
    }

    private static Operation readOne(RaftKvClient client, String key, int clientId, LongSupplier clock) {
        GetRequest request = GetRequest.newBuilder()
                .setKey(utf8(key))
                .setConsistency(ReadConsistency.LINEARIZABLE)
                .build();
        long call = clock.getAsLong();
        for (int attempt = 1; ; attempt++) {
            try {
                GetResponse r = client.blocking().get(request);
                String value = r.hasKv() ? r.getKv().getValue().toStringUtf8() : null;
                return Operation.get(clientId, key, value, call, clock.getAsLong());
            } catch (RaftKvException e) {
                if (attempt >= CALLS_PER_KEY) {
                    return new Operation(clientId, OpKind.GET, key, null, null, false, true, call, clock.getAsLong());
                }
            }
        }
    }
}
