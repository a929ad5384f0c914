package io.raftkv.node.security;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * What a certificate says about who holds it.
 *
 * <ul>
 *   <li>A <b>member</b> certificate names its member with the URI SAN
 *       {@code raftkv://<cluster>/member/<id>}, where {@code <cluster>} is the cluster's
 *       {@code --cluster-id} (the name or its number) and {@code <id>} the member id.</li>
 *   <li>A certificate without such a URI may still name a member by a DNS SAN equal to the host of
 *       that member's advertised peer address (the pod's DNS name under the peer Service): see
 *       {@link PeerTls}.</li>
 *   <li>A <b>client</b> certificate's user is its subject's common name (CN), as etcd does.</li>
 * </ul>
 */
public final class CertificateNames {
    /** SAN type numbers of {@link X509Certificate#getSubjectAlternativeNames()}. */
    private static final int SAN_DNS = 2;

    private static final int SAN_URI = 6;

    private CertificateNames() {}

    /** The member URI SAN for member {@code id} of cluster {@code cluster}. */
    public static String memberUri(String cluster, long id) {
        return "raftkv://" + cluster + "/member/" + id;
    }

    /**
     * The member id the certificate's URI SANs name in the cluster whose numeric id is
     * {@code clusterId} ({@code clusterIdOf} turns the URI's cluster part into a number), or 0 when
     * it names none there.
     *
     * @throws java.security.cert.CertificateException when it names two different members of it
     */
    public static long memberId(X509Certificate cert, long clusterId, ToLongFunction<String> clusterIdOf)
            throws java.security.cert.CertificateException {
        long found = 0;
        for (String uri : sans(cert, SAN_URI)) {
            long id = memberIdOf(uri, clusterId, clusterIdOf);
            if (id != 0 && found != 0 && id != found) {
                throw new java.security.cert.CertificateException("certificate " + cert.getSubjectX500Principal()
                        + " names two members (" + found + " and " + id + ")");
            }
            if (id != 0) {
                found = id;
            }
        }
        return found;
    }

    /** The member id in {@code uri} when it is a member URI of cluster {@code clusterId}, else 0. */
    static long memberIdOf(String uri, long clusterId, ToLongFunction<String> clusterIdOf) {
        try {
            URI u = new URI(uri);
            if (!"raftkv".equalsIgnoreCase(u.getScheme()) || u.getHost() == null && u.getAuthority() == null) {
                return 0;
            }
            String cluster = u.getAuthority();
            String path = u.getPath();
            if (path == null || !path.startsWith("/member/")) {
                return 0;
            }
            long id = Long.parseLong(path.substring("/member/".length()));
            if (id <= 0 || clusterIdOf.applyAsLong(cluster) != clusterId) {
                return 0;
            }
            return id;
        } catch (URISyntaxException | IllegalArgumentException e) {
            return 0; // not ours (NumberFormatException is an IllegalArgumentException)
        }
    }

    /** The certificate's DNS SANs, lower case, without a trailing dot. */
    public static List<String> dnsNames(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        for (String name : sans(cert, SAN_DNS)) {
            String n = name.toLowerCase(Locale.ROOT);
            out.add(n.endsWith(".") ? n.substring(0, n.length() - 1) : n);
        }
        return out;
    }

    /** The subject's common name, or "" when it has none. */
    public static String commonName(X509Certificate cert) {
        try {
            LdapName name = new LdapName(cert.getSubjectX500Principal().getName());
            for (Rdn rdn : name.getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            return "";
        }
        return "";
    }

    private static List<String> sans(X509Certificate cert, int type) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> all = cert.getSubjectAlternativeNames();
            if (all == null) {
                return out;
            }
            for (List<?> san : all) {
                if (san.size() >= 2 && san.get(0) instanceof Integer t && t == type && san.get(1) instanceof String v) {
                    out.add(v);
                }
            }
        } catch (CertificateParsingException e) {
            return out;
        }
        return out;
    }
}
