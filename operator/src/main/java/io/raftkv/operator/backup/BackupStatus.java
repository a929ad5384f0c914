package io.raftkv.operator.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupStatus;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupStatus.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A backup's status from its Job and the Job's pods: Running while the Job runs; Succeeded with
 * what raftkvctl reported (the JSON in the successful pod's termination message: index, term,
 * size, checksums, source member, duration; the location is the operator's, {@link BackupJob#location}); Failed with the Job's reason and the last
 * failed attempt's message (its last log lines).
 */
final class BackupStatus {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BackupStatus() {}

    /** The status for {@code job} (never null), starting from {@code previous}'s fields. */
    static RaftKvBackupStatus of(RaftKvBackupStatus previous, Job job, List<Pod> pods, Instant now) {
        RaftKvBackupStatus s = copy(previous);
        var js = job.getStatus();
        s.jobName = job.getMetadata().getName();
        if (js != null && js.getStartTime() != null) {
            s.startTime = js.getStartTime();
        }
        Optional<JobCondition> failed = condition(job, "Failed");
        if (js != null && js.getSucceeded() != null && js.getSucceeded() > 0) {
            Optional<String> result = terminationMessage(pods, 0);
            if (result.isEmpty()) {
                s.phase = Phase.Running;
                s.message = "the backup Job succeeded; waiting for its pod's result";
                return s;
            }
            try {
                JsonNode r = JSON.readTree(result.get());
                s.phase = Phase.Succeeded;
                // not raftkvctl's "location": for a PVC that is the path inside the backup pod
                // (/var/lib/raftkv-backup/...), while the status names the claim (pvc://claim/path),
                // which is what a restore resolves
                s.index = r.path("index").asLong();
                s.term = r.path("term").asLong();
                s.revision =
                        r.path("revision").asLong() > 0 ? r.path("revision").asLong() : null;
                s.bytes = r.path("bytes").asLong();
                s.sha256 = r.path("sha256").asText();
                s.crc32c = r.path("crc32c").asText();
                s.sourceMember = r.path("source").asText();
                s.durationSeconds = r.path("millis").asLong() / 1000.0;
                s.completionTime = js.getCompletionTime() != null ? js.getCompletionTime() : now.toString();
                s.message = "saved " + s.bytes + " bytes at index " + s.index
                        + (s.revision != null ? " (revision " + s.revision + ")" : "") + " from " + s.sourceMember
                        + " to "
                        + s.location;
            } catch (java.io.IOException e) {
                s.phase = Phase.Failed;
                s.message = "the backup pod's result is not JSON: " + e.getMessage();
                s.completionTime = now.toString();
            }
            return s;
        }
        if (failed.isPresent()) {
            s.phase = Phase.Failed;
            s.completionTime = failed.get().getLastTransitionTime() != null
                    ? failed.get().getLastTransitionTime()
                    : now.toString();
            String why =
                    terminationMessage(pods, null).map(m -> ": " + m.strip()).orElse("");
            s.message = "the backup Job failed (" + failed.get().getReason() + ": "
                    + failed.get().getMessage() + ")" + why;
            if (s.startTime != null) {
                s.durationSeconds = Duration.between(Instant.parse(s.startTime), Instant.parse(s.completionTime))
                                .toMillis()
                        / 1000.0;
            }
            return s;
        }
        s.phase = Phase.Running;
        int failures = js == null || js.getFailed() == null ? 0 : js.getFailed();
        s.message = failures == 0
                ? "the backup Job is running"
                : "the backup Job is running (attempt " + (failures + 1) + "; the last failed"
                        + terminationMessage(pods, null)
                                .map(m -> ": " + m.strip())
                                .orElse("") + ")";
        return s;
    }

    private static Optional<JobCondition> condition(Job job, String type) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst();
    }

    /**
     * The termination message of the newest pod whose backup container ended with
     * {@code exitCode} (any non-zero one when null).
     */
    static Optional<String> terminationMessage(List<Pod> pods, Integer exitCode) {
        return pods.stream()
                .sorted(Comparator.comparing(
                                (Pod p) -> String.valueOf(p.getMetadata().getCreationTimestamp()))
                        .reversed())
                .flatMap(p -> p.getStatus() == null || p.getStatus().getContainerStatuses() == null
                        ? java.util.stream.Stream.<ContainerStatus>empty()
                        : p.getStatus().getContainerStatuses().stream())
                .filter(c -> BackupJob.CONTAINER.equals(c.getName()))
                .map(c -> c.getState() == null ? null : c.getState().getTerminated())
                .filter(t ->
                        t != null && t.getMessage() != null && !t.getMessage().isBlank())
                .filter(t -> exitCode == null
                        ? t.getExitCode() != null && t.getExitCode() != 0
                        : exitCode.equals(t.getExitCode()))
                .map(t -> t.getMessage())
                .findFirst();
    }

    static RaftKvBackupStatus copy(RaftKvBackupStatus p) {
        RaftKvBackupStatus s = new RaftKvBackupStatus();
        if (p == null) {
            return s;
        }
        s.phase = p.phase;
        s.message = p.message;
        s.jobName = p.jobName;
        s.location = p.location;
        s.index = p.index;
        s.term = p.term;
        s.revision = p.revision;
        s.bytes = p.bytes;
        s.sha256 = p.sha256;
        s.crc32c = p.crc32c;
        s.sourceMember = p.sourceMember;
        s.startTime = p.startTime;
        s.completionTime = p.completionTime;
        s.durationSeconds = p.durationSeconds;
        s.observedGeneration = p.observedGeneration;
        return s;
    }

    static boolean same(RaftKvBackupStatus a, RaftKvBackupStatus b) {
        return JSON.valueToTree(a).equals(JSON.valueToTree(b));
    }
}
