package io.raftkv.operator.recovery;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.raftkv.operator.dependents.RestoreMount;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Why the restoring pod (pod 0 of a cluster created from {@code spec.restore}) failed, read from its
 * status: the {@value RestoreMount#FETCH_CONTAINER} init container's exit (raftkvctl: 3 the object
 * does not exist, 10 a SHA-256 mismatch, other: unreadable) or the node's (its restore exit codes:
 * 10 corrupt, 11 missing, 12 unreadable, 13 the volume holds other storage). The message is the
 * container's termination message (the node and raftkvctl write why), else a sentence per kind.
 *
 * @param reason  {@code RestoreSourceMissing}, {@code RestoreSourceCorrupt},
 *                {@code RestoreSourceUnreadable} or {@code RestoreVolumeNotEmpty}
 * @param message what the user reads in the condition, the event and {@code status.restore.message}
 */
public record RestoreFailure(String reason, String message) {

    public static final String MISSING = "RestoreSourceMissing";
    public static final String CORRUPT = "RestoreSourceCorrupt";
    public static final String UNREADABLE = "RestoreSourceUnreadable";
    public static final String VOLUME_NOT_EMPTY = "RestoreVolumeNotEmpty";

    /** The node container's name in the pod template. */
    static final String NODE_CONTAINER = "raftkv";

    /** The failure pod {@code pod} reports, if its restore step ended with an error. */
    public static Optional<RestoreFailure> of(Pod pod) {
        if (pod == null || pod.getStatus() == null) {
            return Optional.empty();
        }
        Optional<ContainerStateTerminated> fetch =
                failed(pod.getStatus().getInitContainerStatuses(), RestoreMount.FETCH_CONTAINER);
        if (fetch.isPresent()) {
            int code = fetch.get().getExitCode();
            String reason = code == 3 ? MISSING : code == 10 ? CORRUPT : UNREADABLE;
            return Optional.of(new RestoreFailure(reason, message(fetch.get(), reason, "fetching the backup object")));
        }
        return failed(pod.getStatus().getContainerStatuses(), NODE_CONTAINER).flatMap(t -> {
            String reason = switch (t.getExitCode()) {
                case 10 -> CORRUPT;
                case 11 -> MISSING;
                case 12 -> UNREADABLE;
                case 13 -> VOLUME_NOT_EMPTY;
                default -> null;
            };
            return reason == null
                    ? Optional.empty()
                    : Optional.of(new RestoreFailure(reason, message(t, reason, "restoring the backup")));
        });
    }

    private static Optional<ContainerStateTerminated> failed(List<ContainerStatus> statuses, String name) {
        return Optional.ofNullable(statuses).orElse(List.of()).stream()
                .filter(s -> name.equals(s.getName()))
                .flatMap(s -> Stream.of(s.getState(), s.getLastState()))
                .map(s -> s == null ? null : s.getTerminated())
                .filter(t -> t != null && t.getExitCode() != null && t.getExitCode() != 0)
                .findFirst()
                .map(t -> t);
    }

    private static String message(ContainerStateTerminated t, String reason, String step) {
        String why = t.getMessage() == null ? "" : reason(t.getMessage().strip());
        String kind = switch (reason) {
            case MISSING -> "the backup does not exist";
            case CORRUPT -> "the backup does not match its checksum (damaged, or not the backup named)";
            case VOLUME_NOT_EMPTY -> "pod 0's volume holds storage no restore made";
            default -> "the backup could not be read";
        };
        return kind + " (exit " + t.getExitCode() + " " + step + (why.isEmpty() ? "" : ": " + why)
                + "). Nothing was restored and the source was only read: fix the source, or delete this"
                + " RaftKvCluster and create it again from another backup.";
    }

    /**
     * The line that says why: the last one raftkvctl ({@code raftkvctl: ...}) or the node
     * ({@code restore refused ...}) wrote, else the message's last line (a log tail's).
     */
    private static String reason(String text) {
        String[] lines = text.split("\n");
        String pick = lines[lines.length - 1].strip();
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (line.startsWith("raftkvctl:") || line.contains("restore refused")) {
                pick = line;
                break;
            }
        }
        return pick.length() > 600 ? pick.substring(0, 600) + "..." : pick;
    }
}
