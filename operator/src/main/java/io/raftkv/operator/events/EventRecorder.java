package io.raftkv.operator.events;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts core/v1 Events about a RaftKvCluster (what {@code kubectl describe rkv} shows). Events
 * are best effort: a failure to record one is logged and never fails a reconciliation.
 */
public final class EventRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    static final String COMPONENT = "raftkv-operator";

    private final KubernetesClient client;
    private final Clock clock;

    public EventRecorder(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** Records one event on {@code cluster}; {@code type} is Normal or Warning. */
    public void record(
            io.fabric8.kubernetes.api.model.HasMetadata cluster, String type, String reason, String message) {
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        var metadata = cluster.getMetadata();
        var event = new EventBuilder()
                .withNewMetadata()
                .withName(
                        metadata.getName() + "." + UUID.randomUUID().toString().substring(0, 13))
                .withNamespace(metadata.getNamespace())
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(cluster.getApiVersion())
                        .withKind(cluster.getKind())
                        .withName(metadata.getName())
                        .withNamespace(metadata.getNamespace())
                        .withUid(metadata.getUid())
                        .withResourceVersion(metadata.getResourceVersion())
                        .build())
                .withType(type)
                .withReason(reason)
                .withMessage(message)
                .withNewSource()
                .withComponent(COMPONENT)
                .endSource()
                .withReportingComponent(COMPONENT)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .build();
        try {
            client.v1()
                    .events()
                    .inNamespace(metadata.getNamespace())
                    .resource(event)
                    .create();
        } catch (KubernetesClientException e) {
            LOG.warn(
                    "Could not record event {} on {}/{}: {}",
                    reason,
                    metadata.getNamespace(),
                    metadata.getName(),
                    e.getMessage());
        }
    }
}
