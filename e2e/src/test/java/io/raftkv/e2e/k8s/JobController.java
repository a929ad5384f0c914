package io.raftkv.e2e.k8s;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Plays Kubernetes' Job controller for the Jobs the operator creates (one pod at a time:
 * {@code completions} and {@code parallelism} 1): creates a pod from the template (owner reference
 * to the Job, the labels {@code job-name}, {@code batch.kubernetes.io/job-name} and
 * {@code controller-uid}), a new one after each failed pod while the failures do not exceed
 * {@code backoffLimit} (default 6), and writes the Job's status: {@code startTime},
 * {@code active}/{@code succeeded}/{@code failed}, and the final condition — {@code Complete}
 * (with {@code completionTime}) once a pod succeeded, {@code Failed} with reason
 * {@code BackoffLimitExceeded} or {@code DeadlineExceeded} ({@code activeDeadlineSeconds}), after
 * which its running pods are deleted. The pods themselves are run by the {@link SimulatedKubelet}
 * (restartPolicy Never: once).
 *
 * <p>Deviation: a failed pod is replaced at once, without the real controller's exponential
 * back-off (10 s, 20 s, ...), so retries are quick in tests. Called on the kubelet loop only.
 */
final class JobController {

    static final int DEFAULT_BACKOFF_LIMIT = 6;
    static final String JOB_NAME_LABEL = "job-name";
    static final String BATCH_JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
    static final String CONTROLLER_UID_LABEL = "controller-uid";

    private final KubernetesClient client;
    private final Consumer<String> record;
    private long podsCreated;

    JobController(KubernetesClient client, Consumer<String> record) {
        this.client = client;
        this.record = record;
    }

    /** One pass over {@code job}: pods to create or delete, then its status. */
    void control(Job job, List<Pod> allPods, Instant now) {
        List<Pod> pods = allPods.stream().filter(p -> ownedBy(p, job)).toList();
        int succeeded = count(pods, "Succeeded");
        int failed = count(pods, "Failed");
        List<Pod> active = pods.stream()
                .filter(p -> !finished(p) && p.getMetadata().getDeletionTimestamp() == null)
                .toList();
        int activeCount = active.size();
        JobStatus previous = Optional.ofNullable(job.getStatus()).orElseGet(JobStatus::new);
        String startTime = previous.getStartTime();
        List<JobCondition> conditions =
                new ArrayList<>(Optional.ofNullable(previous.getConditions()).orElse(List.of()));
        String completionTime = previous.getCompletionTime();
        boolean ended = conditions.stream()
                .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                        && "True".equals(c.getStatus()));
        int backoffLimit = Objects.requireNonNullElse(job.getSpec().getBackoffLimit(), DEFAULT_BACKOFF_LIMIT);
        Long deadline = job.getSpec().getActiveDeadlineSeconds();
        if (!ended) {
            if (succeeded > 0) {
                conditions.add(condition("Complete", null, null, now));
                completionTime = now.toString();
                ended = true;
                record.accept("Job " + key(job) + " complete");
            } else if (failed > backoffLimit) {
                conditions.add(condition(
                        "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now));
                ended = true;
                record.accept("Job " + key(job) + " failed: " + failed + " failed pods, backoffLimit " + backoffLimit);
            } else if (deadline != null
                    && startTime != null
                    && Instant.parse(startTime).plusSeconds(deadline).isBefore(now)) {
                conditions.add(
                        condition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline", now));
                ended = true;
                record.accept("Job " + key(job) + " failed: active longer than " + deadline + " s");
            } else if (active.isEmpty()) {
                createPod(job, succeeded + failed);
                startTime = startTime != null ? startTime : now.toString();
                activeCount = 1;
            }
        }
        if (ended && conditions.stream().anyMatch(c -> "Failed".equals(c.getType()))) {
            for (Pod p : active) {
                delete(p);
                record.accept("Job " + key(job) + " failed: deleted its running pod "
                        + p.getMetadata().getName());
            }
            activeCount = 0;
        }
        JobStatus next = new JobStatusBuilder()
                .withStartTime(startTime)
                .withCompletionTime(completionTime)
                .withActive(activeCount == 0 ? null : activeCount)
                .withSucceeded(succeeded == 0 ? null : succeeded)
                .withFailed(failed == 0 ? null : failed)
                .withConditions(conditions)
                .build();
        if (!signature(next).equals(signature(previous))) {
            try {
                client.batch()
                        .v1()
                        .jobs()
                        .inNamespace(job.getMetadata().getNamespace())
                        .withName(job.getMetadata().getName())
                        .editStatus(j -> new JobBuilder(j).withStatus(next).build());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404 && e.getCode() != 409) {
                    throw e;
                }
            }
        }
    }

    /** Whether {@code pod} belongs to a Job among {@code jobs}. */
    static Optional<Job> ownerOf(Pod pod, List<Job> jobs) {
        return jobs.stream().filter(j -> ownedBy(pod, j)).findFirst();
    }

    private void createPod(Job job, int attempt) {
        Map<String, String> labels = new LinkedHashMap<>();
        var templateMeta = job.getSpec().getTemplate().getMetadata();
        if (templateMeta != null && templateMeta.getLabels() != null) {
            labels.putAll(templateMeta.getLabels());
        }
        labels.put(JOB_NAME_LABEL, job.getMetadata().getName());
        labels.put(BATCH_JOB_NAME_LABEL, job.getMetadata().getName());
        labels.put(CONTROLLER_UID_LABEL, job.getMetadata().getUid());
        OwnerReference owner = new OwnerReferenceBuilder()
                .withApiVersion("batch/v1")
                .withKind("Job")
                .withName(job.getMetadata().getName())
                .withUid(job.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
        String name = job.getMetadata().getName() + "-" + Long.toString(36 * 36 * 36 * 36 + podsCreated++, 36);
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(labels)
                .withOwnerReferences(owner)
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .build();
        try {
            client.resource(pod).create();
            record.accept("Job " + key(job) + ": created pod " + name + " (attempt " + (attempt + 1) + ")");
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    private void delete(Pod pod) {
        try {
            client.resource(pod).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private static JobCondition condition(String type, String reason, String message, Instant now) {
        return new JobConditionBuilder()
                .withType(type)
                .withStatus("True")
                .withReason(reason)
                .withMessage(message)
                .withLastProbeTime(now.toString())
                .withLastTransitionTime(now.toString())
                .build();
    }

    private static boolean finished(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private static int count(List<Pod> pods, String phase) {
        return (int) pods.stream()
                .filter(p -> p.getStatus() != null && phase.equals(p.getStatus().getPhase()))
                .count();
    }

    private static boolean ownedBy(Pod pod, Job job) {
        return Optional.ofNullable(pod.getMetadata().getOwnerReferences()).orElse(List.of()).stream()
                .anyMatch(r -> job.getMetadata().getUid().equals(r.getUid()));
    }

    private static String signature(JobStatus s) {
        List<String> conditions = Optional.ofNullable(s.getConditions()).orElse(List.of()).stream()
                .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
                .toList();
        return s.getStartTime() + "|" + s.getCompletionTime() + "|" + s.getActive() + "|" + s.getSucceeded() + "|"
                + s.getFailed() + "|" + conditions;
    }

    private static String key(Job job) {
        return job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
    }
}
