package io.raftkv.operator.security;

import static io.raftkv.operator.security.SecurityObjects.*;

import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.TlsSpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides the certificates of one cluster from what its Secrets hold now (pure apart from key
 * generation): keeps every certificate that is sound, issues what is missing, renews what
 * expires within {@code spec.tls.renewBeforeDays}, and rotates the CA before it expires.
 *
 * <p>A certificate is kept when its key belongs to it, it carries the expected DNS names, it
 * is signed by the current CA and it has more than renewBeforeDays left. Anything else (absent,
 * damaged, edited by hand, issued for other names) is reissued.
 *
 * <p><b>CA rotation</b> goes in phases so that no two members ever distrust each other, although
 * each pod sees the updated Secret at its own moment (the kubelet syncs mounted Secrets every
 * minute or so): (1) a new CA joins the trust bundle while the certificates stay those of the
 * old CA; (2) after {@link #PROPAGATION} the certificates are reissued by the new CA; (3) after
 * another {@link #PROPAGATION} the old CA leaves the bundle. The nodes reload the files without a
 * restart, so a rotation needs no pod restart. A rotation also starts on request: a new value of
 * the annotation {@value #ROTATE_CA_ANNOTATION} on the cluster (e.g. after the CA key may have
 * leaked); the CA Secret records the value handled ({@value #ROTATED_FOR}).
 */
public final class TlsPlanner {

    /** How long a Secret change takes to reach every pod's files, with a wide margin. */
    public static final Duration PROPAGATION = Duration.ofMinutes(5);
    /** Annotation of a RaftKvCluster: a new value asks for a CA rotation. */
    public static final String ROTATE_CA_ANNOTATION = "raftkv.io/rotate-ca";
    /** Key of the CA Secret: the value of {@link #ROTATE_CA_ANNOTATION} last acted on. */
    public static final String ROTATED_FOR = "rotated-for";

    /** Validity of the cluster CA. */
    public static final Duration CA_VALIDITY = Duration.ofDays(3650);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Duration propagation;

    public TlsPlanner() {
        this(PROPAGATION);
    }

    /**
     * With the propagation delay of {@code RAFTKV_TLS_PROPAGATION_SECONDS} (default 300): how
     * long the operator waits between the phases of a CA rotation.
     *
     * @throws IllegalArgumentException when it is not a positive number
     */
    public static TlsPlanner fromEnvironment(java.util.Map<String, String> env) {
        String value = env.get("RAFTKV_TLS_PROPAGATION_SECONDS");
        if (value == null || value.isBlank()) {
            return new TlsPlanner();
        }
        try {
            long seconds = Long.parseLong(value.strip());
            if (seconds > 0) {
                return new TlsPlanner(Duration.ofSeconds(seconds));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "RAFTKV_TLS_PROPAGATION_SECONDS must be a positive" + " number of seconds, got '" + value + "'");
    }

    /** With another propagation delay (tests). */
    public TlsPlanner(Duration propagation) {
        this.propagation = propagation;
    }

    /**
     * @param members member certificates to hold: ordinals 0..members-1
     * @param ca the CA Secret's contents (PEM text by key), empty when it does not exist
     * @param memberTls the member Secret's contents
     * @param admin the admin Secret's contents
     */
    public TlsPlan plan(
            RaftKvCluster cluster,
            int members,
            Map<String, String> ca,
            Map<String, String> memberTls,
            Map<String, String> admin,
            Instant now) {
        TlsSpec spec = SecurityObjects.tls(cluster);
        Duration validity = Duration.ofDays(spec.getCertificateDays());
        Duration renewBefore = Duration.ofDays(spec.getRenewBeforeDays());
        List<String> changes = new ArrayList<>();

        CertificateAuthority current;
        X509Certificate previous = null;
        String request = rotationRequest(cluster);
        String handled = ca.get(ROTATED_FOR);
        if (ca.get(CA_CERT) == null && ca.get(CA_KEY) == null) {
            current = CertificateAuthority.create(cluster.getMetadata().getName() + " raftkv CA", now, CA_VALIDITY);
            changes.add("created the cluster CA (valid until "
                    + current.certificate().getNotAfter().toInstant() + ")");
            handled = request; // a new CA answers a request made before it
        } else {
            try {
                current = CertificateAuthority.parse(ca.get(CA_CERT), ca.get(CA_KEY));
            } catch (CertificateException e) {
                return failed(
                        cluster,
                        ca,
                        memberTls,
                        admin,
                        members,
                        now,
                        "the Secret "
                                + caSecretName(cluster) + " does not hold a usable CA (" + e.getMessage() + "):"
                                + " no certificate can be renewed. Restore it, or delete it to have a new CA issued"
                                + " (every certificate is then reissued).");
            }
            Instant caExpiry = current.certificate().getNotAfter().toInstant();
            X509Certificate rotating = previousCa(ca.get(PREVIOUS_CA_CERT), now);
            boolean requested = request != null && !request.equals(handled) && rotating == null;
            if (now.plus(validity).plus(renewBefore).isAfter(caExpiry) || requested) {
                previous = current.certificate();
                current = CertificateAuthority.create(cluster.getMetadata().getName() + " raftkv CA", now, CA_VALIDITY);
                changes.add(
                        requested
                                ? "rotated the cluster CA as the annotation " + ROTATE_CA_ANNOTATION + "=" + request
                                        + " asks (the old one stays trusted until every certificate is reissued)"
                                : "rotated the cluster CA (the old one expires " + caExpiry
                                        + "; it stays trusted until every certificate is reissued)");
                if (requested) {
                    handled = request;
                }
            } else {
                previous = rotating;
            }
        }
        Instant caCreated = created(current.certificate());
        boolean propagated = previous == null || !now.isBefore(caCreated.plus(propagation));
        Leaves leaves = new Leaves(current, previous, propagated, now, validity, renewBefore);

        Map<String, String> memberData = new LinkedHashMap<>();
        for (int k = 0; k < members; k++) {
            String certKey = memberCertKey(cluster, k);
            String keyKey = memberKeyKey(cluster, k);
            leaves.ensure(
                    "member " + k,
                    podCn(cluster, k),
                    memberDnsNames(cluster, k),
                    memberTls.get(certKey),
                    memberTls.get(keyKey),
                    certKey,
                    keyKey,
                    memberData);
        }
        Map<String, String> caData = new LinkedHashMap<>();
        caData.put(CA_CERT, Pem.of(current.certificate()));
        caData.put(CA_KEY, Pem.of(current.key()));
        if (handled != null) {
            caData.put(ROTATED_FOR, handled);
        }
        leaves.ensure(
                "operator",
                OPERATOR_USER,
                List.of(),
                ca.get(OPERATOR_CERT),
                ca.get(OPERATOR_KEY),
                OPERATOR_CERT,
                OPERATOR_KEY,
                caData);
        Map<String, String> adminData = new LinkedHashMap<>();
        leaves.ensure(
                "admin", ADMIN_USER, List.of(), admin.get(TLS_CERT), admin.get(TLS_KEY), TLS_CERT, TLS_KEY, adminData);
        String token = admin.get(TOKEN);
        adminData.put(TOKEN, token != null && token.strip().length() >= 32 ? token : newToken());

        Instant recheck = leaves.soonest.minus(renewBefore);
        if (previous != null) {
            boolean allCurrent = leaves.issuedByPrevious == 0;
            Instant dropAt = leaves.newestIssue.plus(propagation);
            if (allCurrent && !now.isBefore(dropAt) && propagated) {
                changes.add("removed the previous CA from the trust bundle");
                previous = null;
            } else {
                caData.put(PREVIOUS_CA_CERT, Pem.of(previous));
                Instant next = propagated ? dropAt : caCreated.plus(propagation);
                recheck = next.isBefore(recheck) ? next : recheck;
            }
        }
        String bundle = Pem.of(current.certificate()) + (previous != null ? Pem.of(previous) : "");
        memberData.put(CA_CERT, bundle);
        adminData.put(CA_CERT, bundle);
        changes.addAll(leaves.changes);
        return new TlsPlan(
                order(caData),
                order(memberData),
                order(adminData),
                Optional.empty(),
                current.certificate().getNotAfter().toInstant(),
                leaves.soonest,
                members,
                List.copyOf(changes),
                recheck.isBefore(now) ? now : recheck);
    }

    /**
     * The value of {@value #ROTATE_CA_ANNOTATION} on the cluster, or null. A value the CA Secret
     * has not recorded under {@value #ROTATED_FOR} starts a CA rotation (the same three phases as
     * one before expiry) once no other rotation is in progress.
     */
    private static String rotationRequest(RaftKvCluster cluster) {
        Map<String, String> annotations = cluster.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(ROTATE_CA_ANNOTATION);
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** The certificate subject CN of member {@code ordinal}: its pod name. */
    private static String podCn(RaftKvCluster cluster, int ordinal) {
        return io.raftkv.operator.dependents.ClusterObjects.podName(cluster, ordinal);
    }

    /** Keeps the live contents when the CA cannot be read: nothing is changed. */
    private static TlsPlan failed(
            RaftKvCluster cluster,
            Map<String, String> ca,
            Map<String, String> memberTls,
            Map<String, String> admin,
            int members,
            Instant now,
            String problem) {
        Instant soonest = Instant.MAX;
        Instant caExpiry = Instant.EPOCH;
        for (Map<String, String> data : List.of(memberTls, admin)) {
            for (var e : data.entrySet()) {
                if (e.getKey().endsWith(".crt") && !e.getKey().equals(CA_CERT)) {
                    soonest = min(soonest, notAfter(e.getValue()).orElse(soonest));
                }
            }
        }
        return new TlsPlan(
                order(ca),
                order(memberTls),
                order(admin),
                Optional.of(problem),
                caExpiry,
                soonest.equals(Instant.MAX) ? now : soonest,
                members,
                List.of(),
                now.plus(Duration.ofMinutes(1)));
    }

    private static Optional<Instant> notAfter(String pem) {
        try {
            return Optional.of(Pem.certificates(pem).get(0).getNotAfter().toInstant());
        } catch (CertificateException e) {
            return Optional.empty();
        }
    }

    private static X509Certificate previousCa(String pem, Instant now) {
        if (pem == null) {
            return null;
        }
        try {
            X509Certificate cert = Pem.certificates(pem).get(0);
            return cert.getNotAfter().toInstant().isAfter(now) ? cert : null;
        } catch (CertificateException e) {
            return null;
        }
    }

    /** When a certificate was made: its notBefore plus the backdating. */
    static Instant created(X509Certificate cert) {
        return cert.getNotBefore().toInstant().plus(CertificateAuthority.BACKDATE);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Map<String, String> order(Map<String, String> data) {
        return new java.util.TreeMap<>(data);
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Keeps or issues leaf certificates, tracking the soonest expiry and what changed. */
    private static final class Leaves {
        private final CertificateAuthority current;
        private final X509Certificate previous;
        private final boolean propagated;
        private final Instant now;
        private final Duration validity;
        private final Duration renewBefore;
        private final List<String> changes = new ArrayList<>();
        private Instant soonest = Instant.MAX;
        private Instant newestIssue = Instant.EPOCH;
        private int issuedByPrevious;

        Leaves(
                CertificateAuthority current,
                X509Certificate previous,
                boolean propagated,
                Instant now,
                Duration validity,
                Duration renewBefore) {
            this.current = current;
            this.previous = previous;
            this.propagated = propagated;
            this.now = now;
            this.validity = validity;
            this.renewBefore = renewBefore;
        }

        void ensure(
                String what,
                String commonName,
                List<String> dnsNames,
                String certPem,
                String keyPem,
                String certKey,
                String keyKey,
                Map<String, String> into) {
            String why = null;
            X509Certificate cert = null;
            if (certPem == null || keyPem == null) {
                why = "issued";
            } else {
                try {
                    cert = Pem.certificates(certPem).get(0);
                    PrivateKey key = Pem.privateKey(keyPem);
                    if (!belongTogether(cert, key)) {
                        why = "reissued (its key did not belong to it)";
                    } else if (!Set.copyOf(dnsNames).equals(dnsNamesOf(cert))) {
                        why = "reissued (its names changed)";
                    } else if (current.signed(cert)) {
                        why = cert.getNotAfter().toInstant().minus(renewBefore).isAfter(now)
                                ? null
                                : "renewed (it expires " + cert.getNotAfter().toInstant() + ")";
                    } else if (previous != null && CertificateAuthority.signedBy(cert, previous.getPublicKey())) {
                        why = propagated ? "reissued by the new CA" : null;
                    } else {
                        why = "reissued (not signed by the cluster CA)";
                    }
                } catch (CertificateException e) {
                    why = "reissued (it could not be read: " + e.getMessage() + ")";
                }
            }
            if (why == null) {
                into.put(certKey, certPem);
                into.put(keyKey, keyPem);
                if (!current.signed(cert)) {
                    issuedByPrevious++;
                }
                newestIssue = max(newestIssue, created(cert));
                soonest = min(soonest, cert.getNotAfter().toInstant());
                return;
            }
            CertificateAuthority.Issued issued = current.issue(commonName, dnsNames, now, validity);
            into.put(certKey, issued.certificatePem());
            into.put(keyKey, issued.keyPem());
            newestIssue = max(newestIssue, created(issued.certificate()));
            soonest = min(soonest, issued.certificate().getNotAfter().toInstant());
            changes.add(what + " certificate " + why);
        }

        private static Instant max(Instant a, Instant b) {
            return a.isAfter(b) ? a : b;
        }
    }

    static Set<String> dnsNamesOf(X509Certificate cert) throws CertificateException {
        Set<String> names = new HashSet<>();
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        names.add((String) san.get(1));
                    }
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            throw new CertificateException(e);
        }
        return names;
    }

    /** Whether {@code key} is the private half of {@code cert}'s public key. */
    static boolean belongTogether(X509Certificate cert, PrivateKey key) {
        try {
            String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
            byte[] probe = "raftkv key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
