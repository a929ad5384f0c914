package io.raftkv.node.server;

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
}
