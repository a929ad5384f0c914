package io.raftkv.operator.recovery;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.raftkv.operator.api.v1alpha1.RaftKvBackup;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupStatus;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RestoreSpec;
import io.raftkv.operator.api.v1alpha1.RestoreStatus;
import io.raftkv.operator.dependents.RestoreMount;
import io.raftkv.operator.dependents.S3CaBundle;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Decides what {@code spec.restore} means for one reconciliation. Pure.
 *
 * <ul>
 *   <li><b>Before the StatefulSet exists</b>: the source is resolved (a PVC path, or a
 *       RaftKvBackup whose {@code status.location} is on a PVC and whose phase is Succeeded). When
 *       it resolves, the StatefulSet is created with one replica and {@code RAFTKV_REPLICAS=1} and
 *       the source mounted ({@link RestoreMount}): pod 0 restores the file under a fresh member id
 *       before it serves anything. An object ({@code spec.restore.url}, or a RaftKvBackup stored in
 *       S3) is first copied into the pod by the {@code restore-fetch} init container, verified.
 *       When the source does not resolve (backup missing or not finished, no credentials for a
 *       URL, volumes of an earlier cluster of that name), nothing is created and the cluster says
 *       why ({@link #blocked}).</li>
 *   <li><b>While the StatefulSet carries the restore and no leader has reported</b>: Restoring;
 *       the template keeps the mount, the StatefulSet stays at one pod (the planner adds members
 *       only once a leader exists). When pod 0 reports that the restore failed
 *       ({@link RestoreFailure}: the source is missing, corrupt or unreadable): Failed, with the
 *       reason; the pod keeps retrying (with back-off) and the restore completes if the source is
 *       fixed.</li>
 *   <li><b>Once the restored member leads</b> (its node writes {@code status.leader}): Complete;
 *       the template drops the mount (pod 0 is rolled onto it later, leader last) and the
 *       membership orchestration grows the cluster to {@code spec.replicas} by AddLearner and
 *       promotion, every new member catching up from the restored one.</li>
 * </ul>
 */
public final class RestorePlanner {

    public static final String REASON_RESTORING = "Restoring";
    public static final String REASON_RESTORED = "Restored";
    public static final String REASON_SOURCE_UNAVAILABLE = "RestoreSourceUnavailable";
    public static final String REASON_SOURCE_UNSUPPORTED = "RestoreSourceUnsupported";
    public static final String REASON_ADDED_LATE = "RestoreIgnored";

    private RestorePlanner() {}

    /**
     * @param mount   the restore the pod template must carry now, if any
     * @param creating the StatefulSet does not exist yet and is created for a restore (one pod)
     * @param blocked why the cluster cannot be created yet: reason and message
     * @param status  {@code status.restore} to write (null: none)
     */
    public record Decision(
            Optional<RestoreMount> mount, boolean creating, Optional<Blocked> blocked, RestoreStatus status) {

        public static Decision none(RestoreStatus carried) {
            return new Decision(Optional.empty(), false, Optional.empty(), carried);
        }
    }

    /** The restore cannot start: nothing is created. */
    public record Blocked(String reason, String message) {}

    /**
     * @param backups      a RaftKvBackup of the cluster's namespace by name
     * @param priorClaims  data volumes of an earlier cluster of this name
     */
    public static Decision decide(
            RaftKvCluster cluster,
            Optional<StatefulSet> statefulSet,
            Function<String, Optional<RaftKvBackup>> backups,
            List<String> priorClaims,
            Instant now) {
        return decide(cluster, statefulSet, backups, priorClaims, Optional.empty(), now);
    }

    /**
     * @param failure what pod 0 reports about its restore, if it failed ({@link RestoreFailure#of})
     */
    public static Decision decide(
            RaftKvCluster cluster,
            Optional<StatefulSet> statefulSet,
            Function<String, Optional<RaftKvBackup>> backups,
            List<String> priorClaims,
            Optional<RestoreFailure> failure,
            Instant now) {
        RestoreSpec spec = cluster.getSpec().getRestore();
        RestoreStatus previous =
                cluster.getStatus() != null ? cluster.getStatus().getRestore() : null;
        if (statefulSet.isPresent()) {
            Optional<RestoreMount> carried = RestoreMount.of(statefulSet.get());
            if (carried.isEmpty()) {
                if (previous == null && spec != null) {
                    return Decision.none(status(
                            RestoreStatus.PHASE_FAILED,
                            describe(spec),
                            "spec.restore was added after the cluster was created: a restore only bootstraps a new"
                                    + " cluster. Create a new RaftKvCluster with it (docs/operations.md).",
                            null));
                }
                return Decision.none(previous);
            }
            String leader = cluster.getStatus() != null ? cluster.getStatus().getLeader() : null;
            if (leader != null && !leader.isEmpty()) {
                String since = previous != null && previous.getCompletedAt() != null
                        ? previous.getCompletedAt()
                        : DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
                return new Decision(
                        Optional.empty(),
                        false,
                        Optional.empty(),
                        status(
                                RestoreStatus.PHASE_COMPLETE,
                                carried.get().location(),
                                "Restored; " + leader + " leads and the other members join by membership change.",
                                since));
            }
            if (failure.isPresent()) {
                RestoreStatus failed = status(
                        RestoreStatus.PHASE_FAILED,
                        carried.get().location(),
                        failure.get().message(),
                        null);
                failed.setReason(failure.get().reason());
                return new Decision(carried, false, Optional.empty(), failed);
            }
            return new Decision(
                    carried,
                    false,
                    Optional.empty(),
                    status(
                            RestoreStatus.PHASE_RESTORING,
                            carried.get().location(),
                            "Pod " + cluster.getMetadata().getName() + "-0 restores the snapshot; the cluster serves"
                                    + " nothing until it leads.",
                            null));
        }
        if (spec == null) {
            return Decision.none(previous);
        }
        if (!priorClaims.isEmpty()) {
            return blocked(
                    REASON_SOURCE_UNAVAILABLE,
                    spec,
                    "volumes of an earlier cluster named "
                            + cluster.getMetadata().getName() + " exist ("
                            + String.join(", ", priorClaims) + "): a restore needs fresh volumes. Delete those"
                            + " PersistentVolumeClaims, or restore under another name.");
        }
        String sha = spec.getSha256() != null ? spec.getSha256() : "";
        if (spec.getPvc() != null) {
            return creating(
                    new RestoreMount(spec.getPvc().getClaimName(), spec.getPvc().getPath(), sha));
        }
        if (spec.getUrl() != null) {
            if (spec.getCredentialsSecret() == null) {
                return blocked(
                        REASON_SOURCE_UNAVAILABLE,
                        spec,
                        "spec.restore.url needs credentialsSecret: a Secret with AWS_ACCESS_KEY_ID and"
                                + " AWS_SECRET_ACCESS_KEY (and optionally endpoint and region).");
            }
            return creating(RestoreMount.fromS3(
                    new RestoreMount.S3Object(
                            spec.getUrl(),
                            null,
                            null,
                            true,
                            spec.getCredentialsSecret(),
                            "AWS_ACCESS_KEY_ID",
                            "AWS_SECRET_ACCESS_KEY",
                            S3CaBundle.of(spec.getCaBundle())),
                    sha));
        }
        Optional<RaftKvBackup> backup = backups.apply(spec.getBackupName());
        if (backup.isEmpty()) {
            return blocked(
                    REASON_SOURCE_UNAVAILABLE,
                    spec,
                    "RaftKvBackup " + spec.getBackupName() + " does not exist in this namespace; waiting for it.");
        }
        RaftKvBackupStatus bs = backup.get().getStatus();
        if (bs == null || bs.phase != RaftKvBackupStatus.Phase.Succeeded || bs.location == null) {
            return blocked(
                    REASON_SOURCE_UNAVAILABLE,
                    spec,
                    "RaftKvBackup " + spec.getBackupName() + " is "
                            + (bs == null || bs.phase == null ? "not started" : bs.phase)
                            + ", not Succeeded; waiting for it.");
        }
        String expected = sha.isEmpty() && bs.sha256 != null ? bs.sha256 : sha;
        Optional<RestoreMount> onPvc = parsePvcLocation(bs.location, expected);
        if (onPvc.isPresent()) {
            return creating(onPvc.get());
        }
        var target = backup.get().getSpec() == null ? null : backup.get().getSpec().target;
        if (bs.location.startsWith("s3://") && target != null && target.s3 != null) {
            var s3 = target.s3;
            var creds = s3.credentialsSecret;
            return creating(RestoreMount.fromS3(
                    new RestoreMount.S3Object(
                            bs.location,
                            s3.endpoint,
                            s3.region == null ? "us-east-1" : s3.region,
                            !Boolean.FALSE.equals(s3.forcePathStyle),
                            creds.name,
                            creds.accessKeyIdKey,
                            creds.secretAccessKeyKey,
                            S3CaBundle.of(s3.caBundle)),
                    expected));
        }
        return blocked(REASON_SOURCE_UNSUPPORTED, spec, unsupported(bs.location));
    }

    /** {@code pvc://<claim>/<path>} → the mount, else empty. */
    static Optional<RestoreMount> parsePvcLocation(String location, String sha256) {
        if (!location.startsWith("pvc://")) {
            return Optional.empty();
        }
        String rest = location.substring("pvc://".length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1 || rest.contains("..")) {
            return Optional.empty();
        }
        return Optional.of(new RestoreMount(rest.substring(0, slash), rest.substring(slash + 1), sha256));
    }

    private static String unsupported(String location) {
        return "restoring from " + location + " is not supported: a RaftKvBackup's location must be"
                + " pvc://<claim>/<path> or s3://<bucket>/<key> with its spec.target.s3 (use spec.restore.pvc or"
                + " spec.restore.url with credentialsSecret otherwise).";
    }

    private static Decision creating(RestoreMount mount) {
        return new Decision(
                Optional.of(mount),
                true,
                Optional.empty(),
                status(
                        RestoreStatus.PHASE_RESTORING,
                        mount.location(),
                        "Creating the first member, which restores the snapshot before it serves.",
                        null));
    }

    private static Decision blocked(String reason, RestoreSpec spec, String message) {
        return new Decision(
                Optional.empty(),
                false,
                Optional.of(new Blocked(reason, message)),
                status(RestoreStatus.PHASE_PENDING, describe(spec), message, null));
    }

    private static String describe(RestoreSpec spec) {
        if (spec.getPvc() != null) {
            return "pvc://" + spec.getPvc().getClaimName() + "/" + spec.getPvc().getPath();
        }
        if (spec.getUrl() != null) {
            return spec.getUrl();
        }
        return "RaftKvBackup/" + spec.getBackupName();
    }

    private static RestoreStatus status(String phase, String source, String message, String completedAt) {
        RestoreStatus s = new RestoreStatus();
        s.setPhase(phase);
        s.setSource(source);
        s.setMessage(message);
        s.setCompletedAt(completedAt);
        return s;
    }
}
