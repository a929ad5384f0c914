package io.raftkv.operator.security;

import static io.raftkv.operator.security.SecurityObjects.*;

import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Decides the Secrets of a cluster whose certificates cert-manager issues
 * ({@code spec.tls.issuerRef}): reads the Secrets cert-manager wrote for the
 * {@link CertManagerCertificates} and assembles from them the same three Secrets the
 * operator-managed CA produces, so the pod contract does not depend on the issuer:
 *
 * <ul>
 *   <li>{@code <cluster>-tls}: {@code <pod>.crt/.key} from each {@code <pod>-tls}, and {@code ca.crt},
 *       the union of the CAs the issuer reports in the Secrets' {@code ca.crt} (so a CA change
 *       at the issuer is trusted as soon as the first certificate of the new CA appears);</li>
 *   <li>{@code <cluster>-ca}: the operator's own certificate (from {@code <cluster>-operator-tls})
 *       and the bundle, no CA key ({@value #ISSUER} names the issuer);</li>
 *   <li>{@code <cluster>-admin}: the admin certificate (from {@code <cluster>-admin-tls}), the
 *       bundle and the admin token (kept, or made once).</li>
 * </ul>
 *
 * A Secret cert-manager has not written yet (or whose key does not belong to its certificate) is
 * pending: the plan keeps what the live Secrets hold for it and names it in {@link TlsPlan#problem()},
 * and the reconciler looks again in {@link #PENDING_RECHECK}.
 */
public final class CertManagerPlanner {

    /** Key of the CA Secret naming the cert-manager issuer that signs the certificates. */
    public static final String ISSUER = "issuer";
    /** How soon a cluster with pending certificates is looked at again. */
    public static final Duration PENDING_RECHECK = Duration.ofSeconds(15);

    private static final SecureRandom RANDOM = new SecureRandom();

    private CertManagerPlanner() {}

    /**
     * @param secrets reads a Secret of the cluster's namespace by name (PEM text by key, empty if absent)
     * @param liveMembers the live {@code <cluster>-tls}, for pods whose Secret is pending
     * @param liveAdmin the live {@code <cluster>-admin} (its token is kept)
     */
    public static TlsPlan plan(
            RaftKvCluster cluster,
            int members,
            Function<String, Map<String, String>> secrets,
            Map<String, String> liveMembers,
            Map<String, String> liveAdmin,
            Instant now) {
        List<String> pending = new ArrayList<>();
        Set<String> cas = new LinkedHashSet<>();
        Map<String, String> memberSecret = new TreeMap<>();
        Instant soonest = Instant.MAX;
        for (int ordinal = 0; ordinal < members; ordinal++) {
            String name = CertManagerCertificates.memberSecretName(cluster, ordinal);
            Optional<Issued> issued = issued(secrets.apply(name));
            String certKey = memberCertKey(cluster, ordinal);
            String keyKey = memberKeyKey(cluster, ordinal);
            if (issued.isPresent()) {
                memberSecret.put(certKey, issued.get().cert());
                memberSecret.put(keyKey, issued.get().key());
                issued.get().ca().ifPresent(cas::add);
                soonest = min(soonest, issued.get().notAfter());
            } else {
                pending.add(name);
                if (liveMembers.containsKey(certKey) && liveMembers.containsKey(keyKey)) {
                    memberSecret.put(certKey, liveMembers.get(certKey));
                    memberSecret.put(keyKey, liveMembers.get(keyKey));
                }
            }
        }
        Optional<Issued> operator = issued(secrets.apply(CertManagerCertificates.operatorSecretName(cluster)));
        Optional<Issued> admin = issued(secrets.apply(CertManagerCertificates.adminSecretName(cluster)));
        if (operator.isEmpty()) {
            pending.add(CertManagerCertificates.operatorSecretName(cluster));
        }
        if (admin.isEmpty()) {
            pending.add(CertManagerCertificates.adminSecretName(cluster));
        }
        operator.flatMap(Issued::ca).ifPresent(cas::add);
        admin.flatMap(Issued::ca).ifPresent(cas::add);
        String bundle = String.join("", cas);
        if (!bundle.isEmpty()) {
            memberSecret.put(CA_CERT, bundle);
        } else if (liveMembers.containsKey(CA_CERT)) {
            memberSecret.put(CA_CERT, liveMembers.get(CA_CERT));
        }

        Map<String, String> caSecret = new TreeMap<>();
        caSecret.put(ISSUER, String.valueOf(tls(cluster).getIssuerRef()));
        memberSecret.computeIfPresent(CA_CERT, (k, v) -> {
            caSecret.put(CA_CERT, v);
            return v;
        });
        operator.ifPresent(o -> {
            caSecret.put(OPERATOR_CERT, o.cert());
            caSecret.put(OPERATOR_KEY, o.key());
        });

        Map<String, String> adminSecret = new TreeMap<>();
        String token = liveAdmin.get(TOKEN);
        adminSecret.put(TOKEN, token != null && !token.isBlank() ? token : newToken());
        if (admin.isPresent()) {
            adminSecret.put(TLS_CERT, admin.get().cert());
            adminSecret.put(TLS_KEY, admin.get().key());
            soonest = min(soonest, admin.get().notAfter());
        } else {
            copy(liveAdmin, adminSecret, TLS_CERT, TLS_KEY);
        }
        memberSecret.computeIfPresent(CA_CERT, (k, v) -> {
            adminSecret.put(CA_CERT, v);
            return v;
        });
        if (operator.isPresent()) {
            soonest = min(soonest, operator.get().notAfter());
        }
        Optional<String> problem = pending.isEmpty()
                ? (bundle.isEmpty()
                        ? Optional.of("the issuer " + tls(cluster).getIssuerRef() + " writes no ca.crt into its"
                                + " Secrets: members cannot verify each other (use a CA or self-signed issuer)")
                        : Optional.empty())
                : Optional.of("waiting for cert-manager (issuer " + tls(cluster).getIssuerRef() + ") to write the"
                        + " Secrets " + String.join(", ", pending));
        Instant renewBefore = soonest == Instant.MAX
                ? now
                : soonest.minus(Duration.ofDays(tls(cluster).getRenewBeforeDays()));
        // cert-manager renews renewBeforeDays before expiry: look again a minute after that to copy the
        // renewed files (the reconciler's 10-minute interval catches a renewal earlier anyway)
        Instant recheck = problem.isPresent()
                ? now.plus(PENDING_RECHECK)
                : renewBefore.isAfter(now) ? renewBefore.plus(Duration.ofMinutes(1)) : now.plus(Duration.ofMinutes(10));
        return new TlsPlan(caSecret, memberSecret, adminSecret, problem, soonest, soonest, members, List.of(), recheck);
    }

    /** A certificate cert-manager wrote: chain, key, the issuer's CA if it gives one, expiry. */
    private record Issued(String cert, String key, Optional<String> ca, Instant notAfter) {}

    private static Optional<Issued> issued(Map<String, String> secret) {
        String cert = secret.get(TLS_CERT);
        String key = secret.get(TLS_KEY);
        if (cert == null || cert.isBlank() || key == null || key.isBlank()) {
            return Optional.empty();
        }
        try {
            X509Certificate leaf = Pem.certificates(cert).get(0);
            PrivateKey privateKey = Pem.privateKey(key);
            if (!TlsPlanner.belongTogether(leaf, privateKey)) {
                return Optional.empty(); // cert-manager writes both at once; a mismatch is mid-update
            }
            String ca = secret.get(CA_CERT);
            return Optional.of(new Issued(
                    cert,
                    key,
                    ca == null || ca.isBlank() ? Optional.empty() : Optional.of(ca.endsWith("\n") ? ca : ca + "\n"),
                    leaf.getNotAfter().toInstant()));
        } catch (CertificateException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void copy(Map<String, String> from, Map<String, String> to, String... keys) {
        for (String k : keys) {
            if (from.containsKey(k)) {
                to.put(k, from.get(k));
            }
        }
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
