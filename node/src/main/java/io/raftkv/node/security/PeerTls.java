package io.raftkv.node.security;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.net.Socket;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.function.ToLongFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mutual TLS on the peer (Raft) port.
 *
 * <p>Rules, checked in the TLS handshake (so a refused peer never sends a byte of gRPC):
 * <ol>
 *   <li>the client certificate chains to the cluster CA and is within its validity dates (PKIX);</li>
 *   <li>it names a member of this cluster ({@link CertificateNames}): the URI SAN
 *       {@code raftkv://<cluster>/member/<id>}, or else a DNS SAN equal to the host of exactly one
 *       current member's peer address;</li>
 *   <li>that member is in the configuration this node knows now ({@link Members}); a node that
 *       knows no configuration yet (it was started with {@code --join} and waits to be added)
 *       accepts any member of its cluster, since the leader adding it is the first to call.</li>
 * </ol>
 * And for every batch and snapshot received afterwards ({@link Binding#refusal}): the connection speaks
 * only for the member its certificate names, and that member must still be current, so a member
 * removed while connected is refused from its next batch on.
 *
 * <p>Outgoing peer connections present this node's certificate and check the server's: chain to
 * the CA, host name (the address dialled must be in the certificate's SANs), and a member name of
 * this cluster.
 */
public final class PeerTls {
    private static final Logger LOG = LoggerFactory.getLogger(PeerTls.class);

    /** This node's view of the configuration, readable from any thread. */
    public interface Members {
        /** The current members' ids and peer addresses ({@code host:port}); null before the node started. */
        List<Member> current();

        /** The members of the configuration in {@code status} (null while it gives none). */
        static Members of(java.util.function.Supplier<io.raftkv.node.driver.NodeStatus> status) {
            return () -> {
                io.raftkv.node.driver.NodeStatus st = status.get();
                return st == null
                        ? null
                        : st.members().stream()
                                .map(m -> new Member(m.id(), m.peerAddress()))
                                .toList();
            };
        }
    }

    /** One member: its id and peer address ({@code host:port}, "" when unknown). */
    public record Member(long id, String peerAddress) {}

    /** What {@link #memberOf} answers on a node that knows no configuration yet, for a DNS-named peer. */
    static final long ANY_MEMBER = -1;

    private final ReloadingTls tls;
    private final long clusterId;
    private final ToLongFunction<String> clusterIdOf;
    private final Members members;
    private final Trust trust = new Trust();

    /**
     * @param clusterIdOf turns the cluster part of a member URI (a name or a number) into a cluster
     *                    id, as {@code --cluster-id} does
     */
    public PeerTls(ReloadingTls tls, long clusterId, ToLongFunction<String> clusterIdOf, Members members) {
        this.tls = Objects.requireNonNull(tls, "tls");
        this.clusterId = clusterId;
        this.clusterIdOf = Objects.requireNonNull(clusterIdOf, "clusterIdOf");
        this.members = Objects.requireNonNull(members, "members");
    }

    /** Makes {@code options} a TLS server that requires a member's client certificate. */
    public HttpServerOptions secure(HttpServerOptions options) {
        return options.setSsl(true)
                .setUseAlpn(true)
                .setKeyCertOptions(KeyCertOptions.wrap(tls.keyManager()))
                .setTrustOptions(TrustOptions.wrap(trust))
                .setClientAuth(ClientAuth.REQUIRED);
    }

    /** Makes {@code options} a TLS client that presents this node's certificate and checks the server's. */
    public HttpClientOptions secure(HttpClientOptions options) {
        return options.setSsl(true)
                .setUseAlpn(true)
                .setVerifyHost(true)
                .setKeyCertOptions(KeyCertOptions.wrap(tls.keyManager()))
                .setTrustOptions(TrustOptions.wrap(trust));
    }

    /**
     * What {@code connection}'s certificate allows: read once per connection or stream, and asked
     * for every batch ({@link Binding#refusal}).
     */
    public Binding bind(HttpConnection connection) {
        X509Certificate cert;
        try {
            List<Certificate> chain = connection.peerCertificates();
            cert = chain == null || chain.isEmpty() ? null : (X509Certificate) chain.get(0);
        } catch (SSLPeerUnverifiedException e) {
            cert = null;
        }
        if (cert == null) {
            return new Binding(0, "the peer connection presented no certificate");
        }
        try {
            return new Binding(memberOf(cert), null);
        } catch (CertificateException e) {
            return new Binding(0, e.getMessage());
        }
    }

    /** The member a peer connection speaks for, or why it speaks for none. */
    public final class Binding {
        private final long member;
        private final String problem;

        private Binding(long member, String problem) {
            this.member = member;
            this.problem = problem;
        }

        /**
         * Null when a batch from member {@code from} may be accepted on this connection, else why
         * not: the certificate must name {@code from}, and {@code from} must still be a current
         * member (or this node must know no configuration yet).
         */
        public String refusal(long from) {
            if (problem != null) {
                return problem;
            }
            if (member != ANY_MEMBER && member != from) {
                return "the peer connection's certificate names member " + member + ", not member " + from;
            }
            List<Member> now = members.current();
            if (now == null || (!now.isEmpty() && now.stream().noneMatch(m -> m.id() == from))) {
                return "member " + from + " is not a current member of cluster " + clusterId;
            }
            return null;
        }
    }

    /**
     * The member {@code cert} names among the current members (any member of the cluster when no
     * configuration is known yet), checked against the current configuration.
     *
     * @throws CertificateException when it names none, or one that is not a current member
     */
    long memberOf(X509Certificate cert) throws CertificateException {
        List<Member> now = members.current();
        if (now == null) {
            throw new CertificateException("this node is not running yet");
        }
        long byUri = CertificateNames.memberId(cert, clusterId, clusterIdOf);
        long id = byUri != 0 ? byUri : byDnsName(cert, now);
        if (id == 0 && now.isEmpty()) {
            return ANY_MEMBER; // joining: the CA is the cluster's own, and the leader calls first
        }
        if (id == 0) {
            throw new CertificateException("certificate " + cert.getSubjectX500Principal()
                    + " names no member of cluster " + clusterId + " (URI SAN raftkv://<cluster>/member/<id>,"
                    + " or a DNS SAN of a current member's peer address)");
        }
        if (!now.isEmpty() && now.stream().noneMatch(m -> m.id() == id)) {
            throw new CertificateException("certificate " + cert.getSubjectX500Principal() + " names member " + id
                    + ", which is not a current member of cluster " + clusterId);
        }
        return id;
    }

    /**
     * A server this node dials must be a member of this cluster (its host name was checked by
     * PKIX): named by a member URI, or by a DNS SAN of a current member's peer address. A node
     * that knows no configuration yet (joining as a learner: its log is empty until the leader's
     * entries arrive) accepts any certificate of its CA, as {@link #memberOf} does for incoming
     * connections; without that a learner named by DNS (the operator's and cert-manager's
     * certificates) could never answer the leader, and would never catch up.
     *
     * @throws CertificateException when it names no current member
     */
    void checkServer(X509Certificate cert) throws CertificateException {
        List<Member> now = members.current();
        if (CertificateNames.memberId(cert, clusterId, clusterIdOf) != 0) {
            return;
        }
        if (now != null && (now.isEmpty() || byDnsName(cert, now) != 0)) {
            return;
        }
        throw new CertificateException("server certificate " + cert.getSubjectX500Principal()
                + " names no member of cluster " + clusterId
                + (now == null ? " (this node is not running yet)" : ""));
    }

    /** The one current member whose peer address host is a DNS SAN of {@code cert}, else 0. */
    private static long byDnsName(X509Certificate cert, List<Member> now) {
        List<String> names = CertificateNames.dnsNames(cert);
        if (names.isEmpty()) {
            return 0;
        }
        long found = 0;
        for (Member m : now) {
            String host = hostOf(m.peerAddress());
            if (!host.isEmpty() && names.contains(host)) {
                if (found != 0) {
                    return 0; // two members share the host: only a member URI can tell them apart
                }
                found = m.id();
            }
        }
        return found;
    }

    private static String hostOf(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
        host = host.toLowerCase(java.util.Locale.ROOT);
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    private interface PkixCheck {
        void run() throws CertificateException;
    }

    /** PKIX through the current CA, then the member rules above. */
    private final class Trust extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkChain(() -> tls.caTrust().checkClientTrusted(chain, authType, engine), chain);
            checkMember(chain, "refused peer connection");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkChain(() -> tls.caTrust().checkClientTrusted(chain, authType, socket), chain);
            checkMember(chain, "refused peer connection");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            checkChain(() -> tls.caTrust().checkClientTrusted(chain, authType), chain);
            checkMember(chain, "refused peer connection");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            tls.caTrust().checkServerTrusted(chain, authType, engine);
            checkClusterMember(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            tls.caTrust().checkServerTrusted(chain, authType, socket);
            checkClusterMember(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            tls.caTrust().checkServerTrusted(chain, authType);
            checkClusterMember(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return tls.caTrust().getAcceptedIssuers();
        }

        /** Runs the PKIX check, logging why a peer's chain was refused. */
        private void checkChain(PkixCheck check, X509Certificate[] chain) throws CertificateException {
            try {
                check.run();
            } catch (CertificateException e) {
                LOG.warn(
                        "refused peer connection: certificate {} does not chain to the cluster CA or is not valid"
                                + " now: {}",
                        chain.length == 0 ? "(none)" : chain[0].getSubjectX500Principal(),
                        e.getMessage());
                throw e;
            }
        }

        private void checkMember(X509Certificate[] chain, String what) throws CertificateException {
            try {
                memberOf(chain[0]);
            } catch (CertificateException e) {
                LOG.warn("{}: {}", what, e.getMessage());
                throw e;
            }
        }

        private void checkClusterMember(X509Certificate[] chain) throws CertificateException {
            try {
                checkServer(chain[0]);
            } catch (CertificateException e) {
                LOG.warn("refused to talk to peer: {}", e.getMessage());
                throw e;
            }
        }
    }
}
