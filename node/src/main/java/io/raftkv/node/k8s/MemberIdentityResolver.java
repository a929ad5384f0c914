package io.raftkv.node.k8s;

import io.raftkv.node.k8s.ClusterResource.ClusterResourceException;
import io.raftkv.node.k8s.MemberIdFile.Origin;
import io.raftkv.node.k8s.MemberIdFile.StoredMemberId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which Raft member this pod's volume is, once, before the node starts, and records it in
 * the {@link MemberIdFile}. The rules, and why:
 * <ol>
 *   <li><b>The file exists</b>: that is the member (a restarted pod with its volume). No API call.</li>
 *   <li><b>No file but Raft data on the volume</b>: refuse to start. The data belongs to a member
 *       whose id is lost; guessing could make two processes answer as one member.</li>
 *   <li><b>Fresh volume, ordinal ≥ {@code RAFTKV_REPLICAS}</b>: a member added by scaling up. It
 *       draws a fresh random id and starts empty ({@code --join}); the operator adds it as a
 *       learner.</li>
 *   <li><b>Fresh volume, ordinal &lt; {@code RAFTKV_REPLICAS}</b>: one of the initial voters — unless
 *       the cluster already exists. Initial voters must agree on the voter set without talking to
 *       each other, so their ids are fixed: {@code id = ordinal + 1}. But a bootstrap id may be
 *       taken only by a volume that never held that member's log: a member that acknowledged
 *       entries and lost them must never come back under its old id (it would count toward a
 *       quorum for entries it no longer has, and could vote twice in one term). So the RaftKvCluster
 *       status is read: once a leader has ever reported ({@link ObservedClusterStatus#clusterHasStarted()}),
 *       the cluster exists and this fresh volume joins with a fresh random id instead; the old
 *       member {@code ordinal + 1} stays in the configuration until the operator removes it. The
 *       price of this rule: an initial pod that starts only after the others already elected a
 *       leader also joins as a new member (safe; the operator replaces the never-started voter
 *       like a lost one). If the API cannot be read, the node retries and finally refuses to
 *       start — it never guesses "bootstrap".</li>
 * </ol>
 *
 * <p><b>Fresh ids</b> are drawn uniformly from {@code [2^32, 2^63)} with a {@link java.security.SecureRandom}:
 * disjoint from bootstrap ids ({@code 1..9}) and from small hand-picked ids of local clusters, and
 * with 2^62.9 values the chance that two of even a million members ever collide is below 10^-7
 * (birthday bound n²/2m). A draw that equals an id the status lists is rejected. A counter
 * derived from the cluster UID would need a compare-and-swap on the API object and RBAC beyond
 * get/patch of the status; randomness needs no coordination, which is what lets a pod come up
 * while the API server or the leader is away.
 */
public final class MemberIdentityResolver {
    private static final Logger LOG = LoggerFactory.getLogger(MemberIdentityResolver.class);
    /** Fresh ids are at least this large, so they never collide with bootstrap ids (1..9). */
    public static final long FIRST_FRESH_ID = 1L << 32;
    /** The storage package's directory; its presence means the volume holds Raft data. */
    static final String STORAGE_DIR = "storage";

    private static final int MAX_DRAWS = 64;

    private final PodIdentity pod;
    private final Path dataDir;
    private final Supplier<ClusterResource> resource;
    private final RandomGenerator idRandom;
    private final Backoff backoff;
    private final Sleeper sleeper;
    private final int maxReadAttempts;
    private final boolean restoring;

    /**
     * @param resource        opened only when the API must be asked (a fresh initial member)
     * @param idRandom        source of fresh ids (a SecureRandom in production)
     * @param backoff         delays between failed API reads
     * @param maxReadAttempts API reads before giving up
     */
    MemberIdentityResolver(
            PodIdentity pod,
            Path dataDir,
            Supplier<ClusterResource> resource,
            RandomGenerator idRandom,
            Backoff backoff,
            Sleeper sleeper,
            int maxReadAttempts) {
        this(pod, dataDir, resource, idRandom, backoff, sleeper, maxReadAttempts, false);
    }

    /**
     * @param restoring the cluster is being restored from a snapshot ({@code --restore-from}): the
     *                  bootstrap member takes a fresh id, never {@code ordinal + 1}
     */
    MemberIdentityResolver(
            PodIdentity pod,
            Path dataDir,
            Supplier<ClusterResource> resource,
            RandomGenerator idRandom,
            Backoff backoff,
            Sleeper sleeper,
            int maxReadAttempts,
            boolean restoring) {
        this.restoring = restoring;
        if (maxReadAttempts < 1) {
            throw new IllegalArgumentException("maxReadAttempts must be ≥ 1, got " + maxReadAttempts);
        }
        this.pod = pod;
        this.dataDir = dataDir;
        this.resource = resource;
        this.idRandom = idRandom;
        this.backoff = backoff;
        this.sleeper = sleeper;
        this.maxReadAttempts = maxReadAttempts;
    }

    /**
     * Returns this volume's member identity, writing the member id file first if it is new.
     * Blocking (file I/O, fsync, possibly API reads with retries).
     *
     * @throws MemberIdFile.CorruptMemberIdFileException when the file exists but is damaged
     * @throws IllegalStateException when the volume has Raft data but no id, or the API stays unreachable
     */
    public StoredMemberId resolve() throws InterruptedException {
        Optional<StoredMemberId> stored = MemberIdFile.read(dataDir);
        if (stored.isPresent()) {
            LOG.info(
                    "pod {}: member id {} ({}) from {}",
                    pod.podName(),
                    stored.get().id(),
                    stored.get().origin(),
                    MemberIdFile.path(dataDir));
            return stored.get();
        }
        if (Files.exists(dataDir.resolve(STORAGE_DIR))) {
            throw new IllegalStateException("data directory " + dataDir + " holds Raft data (" + STORAGE_DIR
                    + "/) but no " + MemberIdFile.FILE_NAME + " file: the member it belongs to is unknown."
                    + " Restore the file, or delete the volume so that the pod joins as a new member.");
        }
        StoredMemberId chosen;
        if (!pod.isInitialMember()) {
            chosen = new StoredMemberId(freshId(Set.of()), Origin.JOIN);
            LOG.info(
                    "pod {} (ordinal {} ≥ {} initial replicas) on a fresh volume: new member {}, waiting to be"
                            + " added as a learner",
                    pod.podName(),
                    pod.ordinal(),
                    pod.initialReplicas(),
                    chosen.id());
        } else {
            ObservedClusterStatus status = readStatusWithRetries();
            if (status.clusterHasStarted()) {
                chosen = new StoredMemberId(freshId(status.memberIds()), Origin.JOIN);
                LOG.warn(
                        "pod {} is an initial member but its volume is fresh and cluster {} already exists (term {},"
                                + " leader '{}'): joining as NEW member {}; bootstrap member {} must be removed and this one"
                                + " added",
                        pod.podName(),
                        pod.cluster(),
                        status.term(),
                        status.leader(),
                        chosen.id(),
                        pod.ordinal() + 1);
            } else if (restoring) {
                // the snapshot's members hold ids 1..9 (or fresh ones): a restored cluster's ids
                // must be new, so the restoring member draws one like a joining member
                chosen = new StoredMemberId(freshId(Set.of()), Origin.BOOTSTRAP);
                LOG.info(
                        "pod {}: member {}, the only voter of a cluster restored from a snapshot",
                        pod.podName(),
                        chosen.id());
            } else {
                chosen = new StoredMemberId(pod.ordinal() + 1L, Origin.BOOTSTRAP);
                LOG.info(
                        "pod {}: bootstrap member {} of a new cluster of {} voters",
                        pod.podName(),
                        chosen.id(),
                        pod.initialReplicas());
            }
        }
        MemberIdFile.write(dataDir, chosen);
        return chosen;
    }

    private ObservedClusterStatus readStatusWithRetries() throws InterruptedException {
        ClusterResourceException last = null;
        for (int attempt = 1; attempt <= maxReadAttempts; attempt++) {
            try {
                return resource.get().readStatus();
            } catch (ClusterResourceException e) {
                last = e;
                if (!e.retryable()) {
                    break;
                }
                long delay = backoff.nextDelayMs();
                LOG.warn(
                        "cannot read RaftKvCluster {}/{} to decide bootstrap vs join (attempt {}/{}): {}; retrying in"
                                + " {} ms",
                        pod.namespace(),
                        pod.cluster(),
                        attempt,
                        maxReadAttempts,
                        e.getMessage(),
                        delay);
                if (attempt < maxReadAttempts) {
                    sleeper.sleepMs(delay);
                }
            }
        }
        throw new IllegalStateException(
                "cannot decide whether pod " + pod.podName() + " bootstraps cluster "
                        + pod.cluster() + " or joins it: the RaftKvCluster status could not be read ("
                        + (last == null ? "no attempt" : last.getMessage()) + "); refusing to guess",
                last);
    }

    /** A uniformly random id in {@code [2^32, 2^63)} not in {@code taken}. */
    long freshId(Set<Long> taken) {
        for (int i = 0; i < MAX_DRAWS; i++) {
            long id = idRandom.nextLong(FIRST_FRESH_ID, Long.MAX_VALUE);
            if (!taken.contains(id)) {
                return id;
            }
        }
        throw new IllegalStateException(
                "no fresh member id after " + MAX_DRAWS + " draws: the random source is broken");
    }
}
