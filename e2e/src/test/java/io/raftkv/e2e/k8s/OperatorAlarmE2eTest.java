package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.PutRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The space quota end to end, on the simulated kubelet with real node processes (run by
 * {@code make e2e}): the operator sets each member's quota to a third of {@code spec.storage.size}
 * (6Mi: 2 MiB); writes beyond it are refused RESOURCE_EXHAUSTED NO_SPACE, the leader reports the
 * NOSPACE alarm in the cluster's status, and the operator turns it into the {@code Alarm} condition
 * (True, reason NOSPACE) and a Warning event; once the keys are deleted and an admin disarms the
 * alarm, the condition goes back to False (NoAlarm) with an AlarmCleared event, and writes work.
 */
@EnabledIfSystemProperty(named = "raftkv.e2e.full", matches = "true")
@ExtendWith(E2eDiagnostics.class)
class OperatorAlarmE2eTest {

    static final String NS = "e2e-alarm";
    static final String NAME = "quota";
    static final int VALUE_BYTES = 256 * 1024;

    static OperatorE2eHarness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = OperatorE2eHarness.start(NS);
        E2eDiagnostics.register(harness);
        harness.apply("""
        apiVersion: raftkv.io/v1alpha1
        kind: RaftKvCluster
        metadata:
          name: %s
          namespace: %s
        spec:
          replicas: 3
          storage:
            size: 6Mi
        """.formatted(NAME, NS));
        await("cluster Available, no alarm")
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    var s = harness.status(NS, NAME);
                    assertThat(s.condition("Available")).as("%s", s).contains("True");
                    assertThat(s.readyReplicas()).isEqualTo(3);
                    assertThat(s.leader()).isNotEmpty();
                    assertThat(conditionReason(s, "Alarm")).as("%s", s).contains("NoAlarm");
                });
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void writesBeyondTheQuotaRaiseTheAlarmConditionUntilTheKeysAreDeletedAndItIsDisarmed() {
        long t0 = System.nanoTime();
        NodeCalls calls = harness.calls();
        Duration deadline = Duration.ofSeconds(10);
        byte[] bytes = new byte[VALUE_BYTES];
        new Random(harness.seed()).nextBytes(bytes);
        ByteString value = ByteString.copyFrom(bytes);
        // 2 MiB quota: at most 64 values of 256 KiB (16 MiB) before a refusal, or the quota did nothing.
        int written = 0;
        StatusRuntimeException refusal = null;
        int attempts = 0;
        while (refusal == null && written < 64 && attempts++ < 200) {
            PutRequest put = PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("fill/" + written))
                    .setValue(value)
                    .build();
            try {
                calls.put(leader(), put, deadline);
                written++;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                    refusal = e;
                } // else NOT_LEADER or the leader changing under the put: try again
            }
        }
        assertThat(refusal)
                .as("a put refused after %d values of %d bytes", written, VALUE_BYTES)
                .isNotNull();
        assertThat(refusal.getStatus().getCode()).as("%s", refusal).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refusal.getTrailers().get(NodeCalls.REASON))
                .as("%s", refusal)
                .isEqualTo("NO_SPACE");
        System.out.println("alarm: " + written + " values of " + VALUE_BYTES + " bytes written, then " + refusal);

        await("Alarm condition True (NOSPACE) and its Warning event")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    var s = harness.status(NS, NAME);
                    assertThat(s.condition("Alarm")).as("%s", s).contains("True");
                    assertThat(conditionReason(s, "Alarm")).as("%s", s).contains("NOSPACE");
                    assertThat(eventReasons()).contains("AlarmNOSPACE");
                });
        long raisedMs = (System.nanoTime() - t0) / 1_000_000;

        int last = written;
        await("the keys deleted")
                .atMost(Duration.ofMinutes(2))
                .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                .until(() -> {
                    for (int i = 0; i <= last; i++) {
                        calls.delete(
                                leader(),
                                DeleteRequest.newBuilder()
                                        .setKey(ByteString.copyFromUtf8("fill/" + i))
                                        .build(),
                                deadline);
                    }
                    return true;
                });
        // The disarm compacts and is refused while the leader's data is still above the quota;
        // a follower still above its own quota raises the alarm again. Retried until it holds.
        await("alarm disarmed and no longer listed")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                .untilAsserted(() -> {
                    calls.alarmDisarm(leader(), deadline);
                    assertThat(calls.alarmList(leader(), deadline).getAlarmsList())
                            .isEmpty();
                });
        await("Alarm condition False (NoAlarm) and an AlarmCleared event")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    var s = harness.status(NS, NAME);
                    assertThat(s.condition("Alarm")).as("%s", s).contains("False");
                    assertThat(conditionReason(s, "Alarm")).as("%s", s).contains("NoAlarm");
                    assertThat(eventReasons()).contains("AlarmCleared");
                });
        await("a write accepted again")
                .atMost(Duration.ofMinutes(1))
                .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                .until(() -> calls.put(
                                leader(),
                                PutRequest.newBuilder()
                                        .setKey(ByteString.copyFromUtf8("after-disarm"))
                                        .setValue(ByteString.copyFromUtf8("ok"))
                                        .build(),
                                deadline)
                        != null);
        long clearedMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("alarm: condition True after " + raisedMs + " ms, cleared after " + clearedMs + " ms");
        E2eDiagnostics.report(
                "space quota (6Mi volume, 2 MiB quota): refused NO_SPACE after " + written
                        + " values of 256 KiB; Alarm condition True " + raisedMs + " ms, False again "
                        + clearedMs + " ms after the start",
                t0,
                written + 1,
                0);
    }

    /** The leader's client address, as the operator reports it in the cluster's status. */
    private static String leader() {
        String pod = harness.status(NS, NAME).leader();
        return harness.network()
                .toLoopback(harness.kubelet().clientAddress(NS, NAME, OperatorE2eHarness.podOrdinal(NAME, pod)));
    }

    private static List<String> eventReasons() {
        return harness.client().v1().events().inNamespace(NS).list().getItems().stream()
                .map(e -> e.getReason())
                .collect(Collectors.toList());
    }

    @SuppressWarnings("unchecked")
    private static Optional<String> conditionReason(OperatorE2eHarness.ClusterStatusView s, String type) {
        Object c = s.raw().get("conditions");
        if (!(c instanceof List<?> list)) {
            return Optional.empty();
        }
        return list.stream()
                .map(o -> (Map<String, Object>) o)
                .filter(m -> type.equals(m.get("type")))
                .map(m -> String.valueOf(m.get("reason")))
                .findFirst();
    }
}
