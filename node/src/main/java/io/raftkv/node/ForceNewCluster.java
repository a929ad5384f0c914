package io.raftkv.node;

import io.raftkv.node.storage.SnapshotRestore;
import io.raftkv.node.storage.StorageOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up half of {@code --force-new-cluster}: explicit (the value must be this member's own
 * id, so a flag copied to every member acts on the one it names only) and once (the file
 * {@value #DONE_FILE} records it, so a restart with the flag still set never drops the members
 * added since). The rebuild itself is {@link SnapshotRestore#forceNewCluster}.
 */
final class ForceNewCluster {
    private static final Logger LOG = LoggerFactory.getLogger(ForceNewCluster.class);
    static final String DONE_FILE = "force-new-cluster.done";

    private ForceNewCluster() {}

    /** @return true if this call rebuilt the storage */
    static boolean runIfAsked(long named, long selfId, Path dataDir, StorageOptions options) throws IOException {
        if (named == 0) {
            return false;
        }
        if (named != selfId) {
            LOG.info("--force-new-cluster names member {}, not this member {}: ignored here", named, selfId);
            return false;
        }
        Path done = dataDir.resolve(DONE_FILE);
        if (Files.exists(done)) {
            LOG.warn(
                    "--force-new-cluster={} is still set but was already carried out ({}): starting normally;"
                            + " remove the setting",
                    named,
                    Files.readString(done, StandardCharsets.UTF_8).strip());
            return false;
        }
        LOG.warn(
                "--force-new-cluster={}: rebuilding {} as a one-member cluster (quorum-loss recovery)", named, dataDir);
        SnapshotRestore.Restored r = SnapshotRestore.forceNewCluster(dataDir, selfId, options);
        Files.writeString(
                done,
                "member " + selfId + " at index " + r.index() + " term " + r.term() + " on " + Instant.now()
                        + "; previous storage kept in " + r.keptAt() + "\n",
                StandardCharsets.UTF_8);
        LOG.warn(
                "--force-new-cluster done: member {} is the only voter, at index {} (previous storage kept in {})",
                selfId,
                r.index(),
                r.keptAt());
        return true;
    }
}
