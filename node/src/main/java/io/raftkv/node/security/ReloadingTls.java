package io.raftkv.node.security;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's TLS material, re-read from its {@link TlsFiles} when they change, without a restart.
 *
 * <p>{@link #keyManager()} is what every TLS context of the node is built with: it asks the
 * material current at each handshake, so new connections present the new certificate while
 * connections already open keep the session they negotiated (and drain as their peers reconnect).
 * {@link #caTrust()} likewise answers with the current CA bundle, so a new CA takes effect for new
 * handshakes. The files are compared by content (SHA-256) every {@code period}, on a worker thread:
 * a Kubernetes Secret volume swaps its files atomically through a symlink, and a half-written
 * file fails to parse and is tried again at the next check, while the old material stays in use.
 *
 * <p>Thread-safe: the current material is one volatile reference to an immutable {@link TlsMaterial}.
 */
public final class ReloadingTls {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadingTls.class);

    private final Vertx vertx;
    private final TlsFiles files;
    private volatile TlsMaterial current;
    /** The material before the current one: an alias chosen from it may still be resolved. */
    private volatile TlsMaterial previous;

    private volatile PeriodicReload watch;
    private final KeyManager keyManager = new KeyManager();

    private ReloadingTls(Vertx vertx, TlsFiles files, TlsMaterial first) {
        this.vertx = vertx;
        this.files = files;
        this.current = first;
        this.previous = first;
    }

    /**
     * Loads the files now (blocking: call at start-up, not on an event loop).
     *
     * @throws IllegalArgumentException naming the file that cannot be read or used
     */
    public static ReloadingTls load(Vertx vertx, TlsFiles files) {
        Objects.requireNonNull(vertx, "vertx");
        try {
            return new ReloadingTls(vertx, files, files.build(vertx, files.read(), 1));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read TLS files " + files + ": " + e, e);
        }
    }

    /** Checks the files every {@code period} from now on (until {@link #close()}). */
    public ReloadingTls watch(Duration period) {
        watch = new PeriodicReload(vertx, period, this::reloadIfChanged);
        return this;
    }

    /**
     * Re-reads the files and, when their content changed and is usable, makes it current. Blocking.
     *
     * @return whether new material was taken
     */
    public boolean reloadIfChanged() {
        TlsFiles.Contents contents;
        try {
            contents = files.read();
        } catch (IOException e) {
            LOG.warn("cannot read TLS files ({}); keeping the certificate loaded before", e.toString());
            return false;
        }
        TlsMaterial now = current;
        if (contents.digest().equals(now.digest())) {
            return false;
        }
        try {
            TlsMaterial next = files.build(vertx, contents, now.generation() + 1);
            previous = now;
            current = next;
            LOG.info(
                    "TLS files {} changed: new connections use the new certificate and CA (load {})",
                    files,
                    next.generation());
            return true;
        } catch (IllegalArgumentException e) {
            LOG.warn(
                    "TLS files changed but cannot be used yet ({}); keeping the certificate loaded before",
                    e.getMessage());
            return false;
        }
    }

    /** Times the material was loaded (1 after start-up). */
    public long generation() {
        return current.generation();
    }

    public TlsFiles files() {
        return files;
    }

    /** The key manager every TLS context of the node uses: always the current certificate. */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /** PKIX trust in the current CA bundle. */
    X509ExtendedTrustManager caTrust() {
        return current.caTrust();
    }

    /** A trust manager that always asks the CA bundle current at the handshake (PKIX, no other rule). */
    public X509ExtendedTrustManager trust() {
        return new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws java.security.cert.CertificateException {
                caTrust().checkClientTrusted(chain, authType, socket);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws java.security.cert.CertificateException {
                caTrust().checkServerTrusted(chain, authType, socket);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws java.security.cert.CertificateException {
                caTrust().checkClientTrusted(chain, authType, engine);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws java.security.cert.CertificateException {
                caTrust().checkServerTrusted(chain, authType, engine);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType)
                    throws java.security.cert.CertificateException {
                caTrust().checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType)
                    throws java.security.cert.CertificateException {
                caTrust().checkServerTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return caTrust().getAcceptedIssuers();
            }
        };
    }

    /** Stops watching the files. */
    public void close() {
        PeriodicReload w = watch;
        if (w != null) {
            w.cancel();
        }
    }

    /**
     * Delegates to the current material. An alias is prefixed with its material's generation, so a
     * handshake that chose an alias just before a reload still gets that alias's own key and chain.
     */
    private final class KeyManager extends X509ExtendedKeyManager {
        private String tag(TlsMaterial m, String alias) {
            return alias == null ? null : m.generation() + "/" + alias;
        }

        private String[] tag(TlsMaterial m, String[] aliases) {
            if (aliases == null) {
                return null;
            }
            String[] out = new String[aliases.length];
            for (int i = 0; i < aliases.length; i++) {
                out[i] = tag(m, aliases[i]);
            }
            return out;
        }

        /** The material and inner alias a tagged alias came from, or null. */
        private Object[] untag(String alias) {
            int slash = alias == null ? -1 : alias.indexOf('/');
            if (slash < 0) {
                return null;
            }
            long gen;
            try {
                gen = Long.parseLong(alias.substring(0, slash));
            } catch (NumberFormatException e) {
                return null;
            }
            TlsMaterial c = current;
            TlsMaterial p = previous;
            TlsMaterial m = c.generation() == gen ? c : p.generation() == gen ? p : null;
            return m == null ? null : new Object[] {m, alias.substring(slash + 1)};
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            TlsMaterial m = current;
            return tag(m, m.keyManager().getClientAliases(keyType, issuers));
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            TlsMaterial m = current;
            return tag(m, m.keyManager().chooseClientAlias(keyType, issuers, socket));
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            TlsMaterial m = current;
            return tag(m, m.keyManager().chooseEngineClientAlias(keyType, issuers, engine));
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            TlsMaterial m = current;
            return tag(m, m.keyManager().getServerAliases(keyType, issuers));
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            TlsMaterial m = current;
            return tag(m, m.keyManager().chooseServerAlias(keyType, issuers, socket));
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            TlsMaterial m = current;
            return tag(m, m.keyManager().chooseEngineServerAlias(keyType, issuers, engine));
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            Object[] found = untag(alias);
            return found == null ? null : ((TlsMaterial) found[0]).keyManager().getCertificateChain((String) found[1]);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            Object[] found = untag(alias);
            return found == null ? null : ((TlsMaterial) found[0]).keyManager().getPrivateKey((String) found[1]);
        }
    }
}
