package io.raftkv.node.security;

import io.raftkv.api.RaftKvException;
import io.raftkv.node.security.AuditLog.Caller;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client port's TLS, authentication and authorization.
 *
 * <p><b>TLS</b> (with {@code --tls on}): the node's certificate ({@link ReloadingTls}); with
 * {@code --auth on} it also asks for (does not require) a client certificate, which must then
 * chain to the client CA.
 *
 * <p><b>Authentication</b> (with {@code --auth on}): a bearer token ({@code authorization: Bearer
 * <token>}, looked up in {@link BearerTokens}) when the call carries one, else the client
 * certificate's subject CN. Neither: UNAUTHENTICATED.
 *
 * <p><b>Authorization</b>: by {@link CallPermissions} and the user's {@link RoleBindings}; the
 * method's role is checked before the call is decoded ({@link #admit}), each message's keys when it
 * is ({@link #check}), so every pipelined call is authorized on its own. Not allowed:
 * PERMISSION_DENIED with a message naming the user, the method and the missing role and key.
 *
 * <p>gRPC health and reflection need no credentials. The HTTP endpoints are not served on an
 * authenticated client port (they are on the probe port).
 */
public final class ClientAuth implements ClientPortSecurity {
    private final ReloadingTls tls;
    private final X509ExtendedTrustManager clientTrust;
    private final AuthFiles files;
    private final AuditLog audit;
    /** Tells a member's certificate (who may name a forwarded caller); null: nobody may. */
    private final PeerTls members;

    /**
     * @param tlsOrNull         the node's certificate; null: plaintext (only with {@code filesOrNull} null)
     * @param clientTrustOrNull PKIX trust in the client CA; null: no client certificates asked for
     * @param filesOrNull       tokens and role bindings; null: no authentication, everything allowed
     */
    public ClientAuth(
            ReloadingTls tlsOrNull, X509ExtendedTrustManager clientTrustOrNull, AuthFiles filesOrNull, AuditLog audit) {
        this(tlsOrNull, clientTrustOrNull, filesOrNull, audit, null);
    }

    /**
     * As above; {@code membersOrNull} recognizes a member's client certificate, on whose connection
     * a forwarded call may name its caller ({@link ClientPortSecurity#FORWARDED_USER}).
     */
    public ClientAuth(
            ReloadingTls tlsOrNull,
            X509ExtendedTrustManager clientTrustOrNull,
            AuthFiles filesOrNull,
            AuditLog audit,
            PeerTls membersOrNull) {
        this.members = membersOrNull;
        if (filesOrNull != null && tlsOrNull == null) {
            throw new IllegalArgumentException("client authentication needs TLS");
        }
        this.tls = tlsOrNull;
        this.clientTrust = clientTrustOrNull;
        this.files = filesOrNull;
        this.audit = Objects.requireNonNull(audit, "audit");
    }

    @Override
    public HttpServerOptions secure(HttpServerOptions options) {
        if (tls == null) {
            return options;
        }
        options.setSsl(true).setUseAlpn(true).setKeyCertOptions(KeyCertOptions.wrap(tls.keyManager()));
        if (files != null && clientTrust != null) {
            options.setTrustOptions(TrustOptions.wrap(clientTrust))
                    .setClientAuth(io.vertx.core.http.ClientAuth.REQUEST);
        }
        return options;
    }

    @Override
    public boolean admit(HttpServerRequest request, boolean grpc) {
        if (files == null) {
            return true;
        }
        if (!grpc) {
            request.response()
                    .setStatusCode(404)
                    .putHeader("content-type", "text/plain; charset=utf-8")
                    .end("not served on the authenticated client port: /health, /ready and /metrics are on the"
                            + " probe port (--probe-addr)\n");
            return false;
        }
        String method = request.path().startsWith("/") ? request.path().substring(1) : request.path();
        CallPermissions.Rule rule = CallPermissions.of(method);
        if (rule.kind() == CallPermissions.Kind.PUBLIC) {
            return true;
        }
        String peer = address(request.remoteAddress());
        Authentication a = authenticate(request.headers(), request.connection());
        if (a.caller() == null) {
            audit.record(null, peer, method, GrpcStatus.UNAUTHENTICATED.name(), a.problem());
            refuse(request.response(), GrpcStatus.UNAUTHENTICATED, a.problem());
            return false;
        }
        String denied = roleProblem(a.caller().user(), method, rule);
        if (denied != null) {
            audit.record(a.caller(), peer, method, GrpcStatus.PERMISSION_DENIED.name(), denied);
            refuse(request.response(), GrpcStatus.PERMISSION_DENIED, denied);
            return false;
        }
        if (rule.kind() == CallPermissions.Kind.ADMIN) {
            HttpServerResponse response = request.response();
            response.endHandler(v -> audit.record(a.caller(), peer, method, outcome(response), ""));
        }
        return true;
    }

    @Override
    public void check(GrpcServerRequest<?, ?> call, String method, Object message) {
        if (files == null) {
            return;
        }
        List<CallPermissions.Need> needs = CallPermissions.needs(message);
        if (needs.isEmpty()) {
            return;
        }
        Authentication a = authenticate(call.headers(), call.connection());
        if (a.caller() == null) { // admit() let the stream in, so this cannot happen; refuse anyway
            throw RaftKvException.of(GrpcStatus.UNAUTHENTICATED, a.problem());
        }
        List<RoleBindings.Binding> bindings = files.roles().of(a.caller().user());
        for (CallPermissions.Need need : needs) {
            boolean covered = bindings.stream()
                    .anyMatch(b -> b.role().includes(need.role()) && b.covers(need.start(), need.end()));
            if (!covered) {
                String denied =
                        "user '" + a.caller().user() + "' lacks " + need.role().label() + " on " + describe(need) + " ("
                                + method + "); it holds " + describe(bindings);
                audit.record(
                        a.caller(),
                        address(call.connection().remoteAddress()),
                        method,
                        GrpcStatus.PERMISSION_DENIED.name(),
                        denied);
                throw RaftKvException.of(GrpcStatus.PERMISSION_DENIED, denied);
            }
        }
    }

    @Override
    public io.vertx.core.http.HttpClientOptions forwarding(io.vertx.core.http.HttpClientOptions options) {
        if (tls == null) {
            return options;
        }
        return options.setSsl(true)
                .setUseAlpn(true)
                .setKeyCertOptions(KeyCertOptions.wrap(tls.keyManager()))
                .setTrustOptions(TrustOptions.wrap(tls.trust()));
    }

    @Override
    public boolean forwardsIdentity(MultiMap headers) {
        return files == null || headers.contains("authorization") || headers.contains("token");
    }

    @Override
    public boolean authenticates() {
        return files != null;
    }

    @Override
    public String authenticate(String user, String password) {
        if (files == null) {
            throw new IllegalStateException("authentication is not enabled");
        }
        String owner =
                password == null || password.isEmpty() ? null : files.tokens().userOf(password);
        return owner != null && owner.equals(user) ? password : null;
    }

    @Override
    public java.util.Map<String, List<String>> roleBindings() {
        if (files == null) {
            return java.util.Map.of();
        }
        java.util.Map<String, List<String>> out = new java.util.TreeMap<>();
        files.roles()
                .users()
                .forEach((user, bindings) -> out.put(
                        user,
                        bindings.stream()
                                .map(b -> b.prefix().length == 0
                                        ? b.role().label()
                                        : b.role().label() + ":" + b.prefixText())
                                .toList()));
        return out;
    }

    /** The caller, or why there is none. */
    private record Authentication(Caller caller, String problem) {}

    @Override
    public String certificateUser(MultiMap headers, HttpConnection connection) {
        if (files == null
                || headers.contains("authorization")
                || headers.contains("token")
                || headers.contains(FORWARDED_USER)) {
            return null;
        }
        X509Certificate cert = clientCertificate(connection);
        String cn = cert == null ? "" : CertificateNames.commonName(cert);
        return cn.isEmpty() ? null : cn;
    }

    private Authentication authenticate(MultiMap headers, HttpConnection connection) {
        String vouched = headers.get(FORWARDED_USER);
        if (vouched != null) {
            return forwardedCaller(vouched, connection);
        }
        String authorization = headers.get("authorization");
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return new Authentication(null, "the authorization header is not 'Bearer <token>'");
            }
            String user = files.tokens().userOf(authorization.substring(7).trim());
            return user == null
                    ? new Authentication(null, "the bearer token is not recognized (unknown or revoked)")
                    : new Authentication(new Caller(user, "token"), null);
        }
        String etcdToken = headers.get("token");
        if (etcdToken != null) {
            // etcd's token metadata (from Authenticate, whose token is one of the user's bearer tokens).
            String user = files.tokens().userOf(etcdToken.trim());
            return user == null
                    ? new Authentication(null, "etcdserver: invalid auth token")
                    : new Authentication(new Caller(user, "token"), null);
        }
        X509Certificate cert = clientCertificate(connection);
        if (cert != null) {
            String cn = CertificateNames.commonName(cert);
            return cn.isEmpty()
                    ? new Authentication(null, "the client certificate has no subject CN (the user name)")
                    : new Authentication(new Caller(cn, "certificate"), null);
        }
        return new Authentication(
                null,
                "this port requires authentication: a client certificate signed by the"
                        + " cluster's client CA, or a bearer token (authorization: Bearer <token>)");
    }

    /**
     * A caller another member authenticated by its client certificate and forwarded here: believed
     * only when this connection's client certificate names a current member (checked as the peer
     * port checks it), so no client can name another user by setting the header.
     */
    private Authentication forwardedCaller(String user, HttpConnection connection) {
        X509Certificate cert = clientCertificate(connection);
        if (members == null || cert == null || user.isBlank()) {
            return new Authentication(
                    null, "a forwarded caller (" + FORWARDED_USER + ") is accepted only from a member's connection");
        }
        try {
            long member = members.memberOf(cert);
            return new Authentication(new Caller(user, "certificate, forwarded by member " + member), null);
        } catch (java.security.cert.CertificateException e) {
            return new Authentication(
                    null,
                    "a forwarded caller (" + FORWARDED_USER + ") is accepted only from a member's connection: "
                            + e.getMessage());
        }
    }

    private static X509Certificate clientCertificate(HttpConnection connection) {
        try {
            List<Certificate> chain = connection.peerCertificates();
            return chain == null || chain.isEmpty() ? null : (X509Certificate) chain.get(0);
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** Null when {@code user} may call {@code method} at all, else why not. */
    private String roleProblem(String user, String method, CallPermissions.Rule rule) {
        List<RoleBindings.Binding> bindings = files.roles().of(user);
        boolean ok = switch (rule.kind()) {
            case PUBLIC -> true;
            case KEYS, CLUSTER_READ -> bindings.stream().anyMatch(b -> b.role().includes(rule.minimum()));
            case ADMIN -> bindings.stream().anyMatch(b -> b.role().includes(Role.ADMIN) && b.prefix().length == 0);
        };
        if (ok) {
            return null;
        }
        String needed = rule.kind() == CallPermissions.Kind.ADMIN
                ? "admin (without a key prefix)"
                : rule.minimum().label();
        return "user '" + user + "' lacks " + needed + " for " + method + "; it holds " + describe(bindings);
    }

    private static String describe(List<RoleBindings.Binding> bindings) {
        if (bindings.isEmpty()) {
            return "no role";
        }
        StringBuilder b = new StringBuilder();
        for (RoleBindings.Binding binding : bindings) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(binding.role().label());
            b.append(
                    binding.prefix().length == 0
                            ? " on every key"
                            : " on prefix '" + printable(binding.prefix()) + "'");
        }
        return b.toString();
    }

    private static String describe(CallPermissions.Need need) {
        if (need.start().length + 1 == need.end().length && need.end()[need.end().length - 1] == 0) {
            return "key '" + printable(need.start()) + "'";
        }
        return "keys ['" + printable(need.start()) + "', "
                + (need.end().length == 0 ? "end of keyspace" : "'" + printable(need.end()) + "'") + ")";
    }

    /** At most 64 bytes of a key, non-printable bytes as \xNN. */
    private static String printable(byte[] key) {
        StringBuilder b = new StringBuilder();
        int n = Math.min(key.length, 64);
        for (int i = 0; i < n; i++) {
            int c = key[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
                b.append((char) c);
            } else {
                b.append(String.format("\\x%02x", c));
            }
        }
        return key.length > n ? b.append("...").toString() : b.toString();
    }

    private static String address(SocketAddress a) {
        return a == null ? "" : a.hostAddress() + ":" + a.port();
    }

    private static String outcome(HttpServerResponse response) {
        String status = response.trailers().get("grpc-status");
        if (status == null) {
            status = response.headers().get("grpc-status");
        }
        if (status == null) {
            return "UNKNOWN";
        }
        try {
            return GrpcStatus.valueOf(Integer.parseInt(status)).name();
        } catch (RuntimeException e) {
            return status;
        }
    }

    /** Answers a gRPC request with a status and no message (a trailers-only response). */
    private static void refuse(HttpServerResponse response, GrpcStatus status, String message) {
        response.setStatusCode(200)
                .putHeader("content-type", "application/grpc")
                .putHeader("grpc-status", Integer.toString(status.code))
                .putHeader("grpc-message", percentEncode(message))
                .end();
    }

    /** gRPC's percent-encoding of grpc-message: bytes outside printable ASCII, and '%'. */
    static String percentEncode(String message) {
        StringBuilder b = new StringBuilder();
        for (byte x : message.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c));
            }
        }
        return b.toString();
    }
}
