package io.raftkv.node.driver;

import io.raftkv.node.net.HostPort;
import io.raftkv.node.transport.PeerAddressResolver;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every member can be reached: peer addresses (for the transport) and client addresses (for
 * leader hints and Status), from three sources ranked so that an operator's explicit choice wins:
 * <ol>
 *   <li><b>static</b>: given on this process's command line ({@code --peers}); each process may
 *       have its own map, e.g. to route every directed link through a test proxy;</li>
 *   <li><b>membership</b>: carried in committed ConfChange entries, replicated to every member and
 *       saved to {@code members.properties} in the data directory, because log compaction removes
 *       the entries that carried them;</li>
 *   <li><b>announced</b>: the {@code from_address} a peer put on its own batches (not saved).</li>
 * </ol>
 * Thread-safe (concurrent maps): read by the transport and status on the driver's context, and by
 * the servers on theirs. The file is written on {@code ioExecutor}, never on an event loop.
 */
public final class MemberDirectory implements PeerAddressResolver {
    private static final Logger LOG = LoggerFactory.getLogger(MemberDirectory.class);
    static final String FILE_NAME = "members.properties";

    private final Map<Long, String> staticPeers = new ConcurrentHashMap<>();
    private final Map<Long, String> staticClients = new ConcurrentHashMap<>();
    private final Map<Long, MemberAddresses> membership = new ConcurrentHashMap<>();
    private final Map<Long, String> announced = new ConcurrentHashMap<>();
    private final Path file;
    private final Executor ioExecutor;

    /**
     * @param dataDirOrNull where {@value #FILE_NAME} lives (null: keep nothing on disk)
     * @param ioExecutor    runs file writes, in submission order
     */
    public MemberDirectory(Path dataDirOrNull, Executor ioExecutor) {
        this.file = dataDirOrNull == null ? null : dataDirOrNull.resolve(FILE_NAME);
        this.ioExecutor = ioExecutor;
    }

    /** Loads the saved membership addresses; blocking, call before the driver starts. */
    public MemberDirectory load() {
        if (file == null || !Files.exists(file)) {
            return this;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        for (String key : p.stringPropertyNames()) {
            if (key.endsWith(".peer")) {
                long id = Long.parseLong(key.substring(0, key.length() - 5));
                membership.put(id, new MemberAddresses(p.getProperty(key), p.getProperty(id + ".client", "")));
            }
        }
        return this;
    }

    /** An address given on the command line; wins over every other source. */
    public void putStatic(long id, String peerAddress, String clientAddressOrEmpty) {
        staticPeers.put(id, HostPort.parse(peerAddress).toString());
        if (clientAddressOrEmpty != null && !clientAddressOrEmpty.isEmpty()) {
            staticClients.put(id, HostPort.parse(clientAddressOrEmpty).toString());
        }
    }

    /** Addresses from an applied ConfChange (driver context). Saved asynchronously. */
    public void putMembership(long id, MemberAddresses addresses) {
        if (addresses.equals(membership.put(id, addresses))) {
            return;
        }
        save();
    }

    /** A member left the configuration (driver context). */
    public void remove(long id) {
        boolean changed = membership.remove(id) != null;
        announced.remove(id);
        if (changed) {
            save();
        }
    }

    @Override
    public String peerAddress(long peerId) {
        String s = staticPeers.get(peerId);
        if (s != null) {
            return s;
        }
        MemberAddresses m = membership.get(peerId);
        return m != null ? m.peerAddress() : announced.get(peerId);
    }

    @Override
    public void announced(long peerId, String address) {
        try {
            String normalized = HostPort.parse(address).toString();
            String old = announced.put(peerId, normalized);
            if (!normalized.equals(old) && !staticPeers.containsKey(peerId) && !membership.containsKey(peerId)) {
                LOG.info("peer {} announced address {}", peerId, normalized);
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("peer {} announced a malformed address: {}", peerId, e.getMessage());
        }
    }

    /** {@code host:port} of {@code id}'s client port, or "" when unknown. */
    public String clientAddress(long id) {
        String s = staticClients.get(id);
        if (s != null) {
            return s;
        }
        MemberAddresses m = membership.get(id);
        return m == null ? "" : m.clientAddress();
    }

    /** The member (other than {@code exceptId}) already using {@code peerAddress}, or 0. */
    public long memberWithPeerAddress(String peerAddress, java.util.Set<Long> members, long exceptId) {
        String normalized = HostPort.parse(peerAddress).toString();
        for (long id : members) {
            if (id != exceptId && normalized.equals(peerAddress(id))) {
                return id;
            }
        }
        return 0;
    }

    private void save() {
        if (file == null) {
            return;
        }
        Map<Long, MemberAddresses> copy = new TreeMap<>(membership);
        ioExecutor.execute(() -> write(copy));
    }

    private void write(Map<Long, MemberAddresses> snapshot) {
        Properties p = new Properties();
        snapshot.forEach((id, a) -> {
            p.setProperty(id + ".peer", a.peerAddress());
            p.setProperty(id + ".client", a.clientAddress());
        });
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "member addresses from committed membership changes (written by the node)");
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("cannot save member addresses to {}: {}", file, e.toString());
        }
    }
}
