package io.raftkv.node.security;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.server.GrpcServerRequest;

/**
 * How the client port is secured (implemented by {@code io.raftkv.node.security.ClientAuth}):
 * TLS on its listeners, a gate every HTTP request passes (authentication and the method's role),
 * and a check every call's message passes (key-prefix scopes; for {@code KV.Pipeline}, every
 * pipelined call on its own).
 */
public interface ClientPortSecurity {

    /** Plaintext, no authentication: every request and call is allowed. */
    ClientPortSecurity NONE = new ClientPortSecurity() {
        @Override
        public HttpServerOptions secure(HttpServerOptions options) {
            return options;
        }

        @Override
        public boolean admit(HttpServerRequest request, boolean grpc) {
            return true;
        }

        @Override
        public void check(GrpcServerRequest<?, ?> call, String method, Object message) {}
    };

    /** Adds TLS to a listener's options (or leaves them plaintext). */
    HttpServerOptions secure(HttpServerOptions options);

    /**
     * Whether {@code request} may go on to its handler; when not, it has been answered already
     * (a gRPC status UNAUTHENTICATED or PERMISSION_DENIED, or HTTP 401/404).
     */
    boolean admit(HttpServerRequest request, boolean grpc);

    /**
     * Checks one call's request message ({@code method} is the full gRPC method name the call
     * stands for, also for a call inside a pipeline).
     *
     * @throws io.raftkv.api.RaftKvException PERMISSION_DENIED naming the missing permission
     */
    void check(GrpcServerRequest<?, ?> call, String method, Object message);

    /**
     * The options of this member's calls to another member's client port (etcd writes a follower
     * forwards to the leader): with TLS on, the node's certificate as client certificate and the
     * cluster CA as trust, so a TLS cluster forwards as a plaintext one does.
     */
    default HttpClientOptions forwarding(HttpClientOptions options) {
        return options;
    }

    /**
     * Whether a call carrying {@code headers} can be sent on to another member under the caller's
     * own identity: always without authentication; with it, only when the caller authenticated by
     * a token header ({@code authorization} or etcd's {@code token}), which the forwarded call
     * repeats. A caller known only by its client certificate travels by {@link #certificateUser}.
     */
    default boolean forwardsIdentity(MultiMap headers) {
        return true;
    }

    /**
     * A member forwarding a call of a caller it authenticated by client certificate only names the
     * caller in this header; the receiving member believes it only on a connection whose client
     * certificate names a current member of the cluster (the peer port's rule).
     */
    String FORWARDED_USER = "raftkv-forwarded-user";

    /**
     * The user a call on {@code connection} with {@code headers} authenticated as by its client
     * certificate alone (no token header), which a forwarded call may name in
     * {@link #FORWARDED_USER}; null without authentication or when the caller has a token.
     */
    default String certificateUser(MultiMap headers, io.vertx.core.http.HttpConnection connection) {
        return null;
    }

    /** Whether calls are authenticated at all ({@code --auth on}). */
    default boolean authenticates() {
        return false;
    }

    /**
     * etcd's {@code Authenticate}: the token a client of {@code user} presents in etcd's {@code
     * token} header afterwards. RaftKV's password of a user is one of its bearer tokens
     * ({@code --auth-tokens}), so the token handed back is that same secret: valid on every member,
     * for as long as the tokens file lists it.
     *
     * @return the token, or null when {@code password} is not a token of {@code user}
     * @throws IllegalStateException when the port does not authenticate
     */
    default String authenticate(String user, String password) {
        throw new IllegalStateException("authentication is not enabled");
    }

    /**
     * The role bindings by user ({@code --auth-roles}), each as {@code role} or {@code role:prefix};
     * empty when the port does not authenticate.
     */
    default java.util.Map<String, java.util.List<String>> roleBindings() {
        return java.util.Map.of();
    }
}
