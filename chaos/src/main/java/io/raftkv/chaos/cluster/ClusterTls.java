package io.raftkv.chaos.cluster;

import io.raftkv.api.client.ClientCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The TLS material of a chaos cluster run with TLS on ({@code -Dchaos.tls=true}), under
 * {@code <run>/tls/}, and its rotation:
 * <ul>
 *   <li>{@code node-N/tls.crt, tls.key, ca.crt}: member N's certificate ({@link ChaosCa#member}) and
 *       the CA bundle it trusts; every node runs {@code --tls on --auth on} on these files, checked
 *       every second ({@code --tls-reload-seconds 1});
 *   <li>{@code tokens.csv, roles.txt}: bearer tokens of the harness's users: {@code chaos-admin}
 *       (role admin: Status, membership changes, transfers), {@code chaos-writer} (role write: the
 *       workload, the lock users, the final reads);
 *   <li>{@code clients-ca.pem}: what the harness's clients trust: every CA generation of the run,
 *       made up front (as a platform hands applications the next CA before it rotates).
 * </ul>
 *
 * <p>A CA rotation goes through three file states, each written atomically per file while the
 * nodes run ({@link CaRotation} drives them and waits for the nodes' reloads between them):
 * {@link #trustNext()} (every node trusts the current and the next CA), {@link #issueNext()} (every
 * node gets a certificate of the next CA) and {@link #dropPrevious()} (the old CA is no longer
 * trusted). Thread-safe (one rotation step at a time).
 */
public final class ClusterTls {
    /** How many CA rotations a run may perform (CA generations beyond the first). */
    public static final int MAX_ROTATIONS = 12;

    private static final String ADMIN = "chaos-admin";
    private static final String WRITER = "chaos-writer";

    private final Path dir;
    private final String cluster;
    private final List<ChaosCa> cas = new ArrayList<>();
    private final Map<Integer, String> serials = new TreeMap<>();
    private final Map<Integer, Integer> issuedGeneration = new TreeMap<>();
    private final String adminToken;
    private final String writerToken;
    /** CA generation that signs the nodes' certificates. */
    private int leafGeneration;
    /** The CA generations the nodes trust: {@code trustFrom..trustTo} (one, or two during a rotation). */
    private int trustFrom;

    private int trustTo;

    private ClusterTls(Path dir, String cluster) {
        this.dir = dir;
        this.cluster = cluster;
        for (int g = 0; g <= MAX_ROTATIONS; g++) {
            cas.add(ChaosCa.create("raftkv-chaos-ca-" + g));
        }
        SecureRandom random = new SecureRandom();
        this.adminToken = token(random);
        this.writerToken = token(random);
    }

    /** Makes the CAs and writes the shared files under {@code dir} (created). */
    public static ClusterTls create(Path dir, String clusterName) {
        ClusterTls t = new ClusterTls(dir, clusterName);
        StringBuilder bundle = new StringBuilder();
        t.cas.forEach(ca -> bundle.append(ca.caPem()));
        t.write(dir.resolve("clients-ca.pem"), bundle.toString());
        t.write(dir.resolve("tokens.csv"), t.adminToken + "," + ADMIN + "\n" + t.writerToken + "," + WRITER + "\n");
        t.write(dir.resolve("roles.txt"), "# user role [key-prefix]\n" + ADMIN + " admin\n" + WRITER + " write\n");
        return t;
    }

    /**
     * Writes node {@code id}'s files (certificate of the current generation, current trust) and
     * returns its TLS and auth flags.
     */
    public synchronized List<String> nodeArgs(int id) {
        writeNode(id);
        Path n = nodeDir(id);
        return List.of(
                "--tls", "on",
                "--tls-cert", n.resolve("tls.crt").toString(),
                "--tls-key", n.resolve("tls.key").toString(),
                "--tls-ca", n.resolve("ca.crt").toString(),
                "--tls-reload-seconds", "1",
                "--auth", "on",
                "--auth-tokens", dir.resolve("tokens.csv").toString(),
                "--auth-roles", dir.resolve("roles.txt").toString());
    }

    /** Credentials of user {@code chaos-admin} (role admin). */
    public ClientCredentials admin() {
        return new ClientCredentials(dir.resolve("clients-ca.pem"), null, null, adminToken);
    }

    /** Credentials of user {@code chaos-writer} (role write). */
    public ClientCredentials writer() {
        return new ClientCredentials(dir.resolve("clients-ca.pem"), null, null, writerToken);
    }

    /** Rotation step 1: every node trusts the current CA and the next one. */
    public synchronized void trustNext() {
        if (leafGeneration + 1 > MAX_ROTATIONS) {
            throw new IllegalStateException("this run made " + MAX_ROTATIONS + " CA generations and used them all");
        }
        trustFrom = leafGeneration;
        trustTo = leafGeneration + 1;
        rewriteAll();
    }

    /** Rotation step 2: every node gets a certificate of the next CA (both CAs still trusted). */
    public synchronized void issueNext() {
        if (trustTo != leafGeneration + 1) {
            throw new IllegalStateException("issueNext before trustNext");
        }
        leafGeneration++;
        rewriteAll();
    }

    /** Rotation step 3: the previous CA is trusted no more. Idempotent. */
    public synchronized void dropPrevious() {
        trustFrom = leafGeneration;
        trustTo = leafGeneration;
        rewriteAll();
    }

    /** The CA generation that signs the nodes' certificates now (0 before any rotation). */
    public synchronized int generation() {
        return leafGeneration;
    }

    /** The serial number (hex) of the certificate last written for node {@code id}, or null. */
    public synchronized String serialOf(int id) {
        return serials.get(id);
    }

    /** Nodes with files, by id. */
    public synchronized List<Integer> nodes() {
        return List.copyOf(serials.keySet());
    }

    public Path dir() {
        return dir;
    }

    private void rewriteAll() {
        for (int id : List.copyOf(serials.keySet())) {
            writeNode(id);
        }
    }

    private void writeNode(int id) {
        Path n = nodeDir(id);
        Integer issuedBy = issuedGeneration.get(id);
        if (issuedBy == null || issuedBy != leafGeneration) {
            ChaosCa.Issued issued = cas.get(leafGeneration).member(cluster, id);
            write(n.resolve("tls.key"), issued.keyPem());
            write(n.resolve("tls.crt"), issued.certificatePem());
            issuedGeneration.put(id, leafGeneration);
            serials.put(id, serialHex(issued.certificatePem()));
        }
        StringBuilder trust = new StringBuilder();
        for (int g = Math.min(trustFrom, leafGeneration); g <= Math.max(trustTo, leafGeneration); g++) {
            trust.append(cas.get(g).caPem());
        }
        write(n.resolve("ca.crt"), trust.toString());
    }

    private Path nodeDir(int id) {
        return dir.resolve("node-" + id);
    }

    private static String serialHex(String certificatePem) {
        try {
            var cf = java.security.cert.CertificateFactory.getInstance("X.509");
            var cert = (java.security.cert.X509Certificate) cf.generateCertificate(
                    new java.io.ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)));
            return cert.getSerialNumber().toString(16);
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException("cannot parse a certificate just issued", e);
        }
    }

    /** Writes {@code text} to a temporary file beside {@code file} and moves it over {@code file} atomically. */
    private void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String token(SecureRandom random) {
        byte[] b = new byte[24];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
