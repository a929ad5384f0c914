package io.raftkv.node.etcd;

import com.google.protobuf.ByteString;
import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.RaftKvException;
import io.raftkv.etcd.api.AuthGrpcService;
import io.raftkv.etcd.api.AuthRoleGetRequest;
import io.raftkv.etcd.api.AuthRoleGetResponse;
import io.raftkv.etcd.api.AuthRoleListRequest;
import io.raftkv.etcd.api.AuthRoleListResponse;
import io.raftkv.etcd.api.AuthUserGetRequest;
import io.raftkv.etcd.api.AuthUserGetResponse;
import io.raftkv.etcd.api.AuthUserListRequest;
import io.raftkv.etcd.api.AuthUserListResponse;
import io.raftkv.etcd.api.AuthenticateRequest;
import io.raftkv.etcd.api.AuthenticateResponse;
import io.raftkv.etcd.api.Permission;
import io.raftkv.etcd.api.ResponseHeader;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.security.ClientPortSecurity;
import io.raftkv.node.server.CallRunner;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.Service;
import io.vertx.grpc.server.ServiceBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * etcd's {@code Auth} service on RaftKV's authentication (docs/security.md):
 *
 * <ul>
 *   <li><b>Authenticate</b>{@code (name, password)}: RaftKV's secret of a user is a bearer token of
 *       the {@code --auth-tokens} file, so the password is one of the user's tokens, and the token
 *       answered is that same token (valid on every member for as long as the file lists it; a
 *       client sends it in etcd's {@code token} header, or as {@code authorization: Bearer}). Wrong
 *       pair: {@code authentication failed, invalid user ID or password}; without {@code --auth on}:
 *       {@code authentication is not enabled}.</li>
 *   <li><b>UserList, UserGet, RoleList, RoleGet</b> (unscoped admin, as etcd's root) read the
 *       {@code --auth-roles} file: each binding is an etcd role named {@code read}, {@code write} or
 *       {@code admin}, or {@code <role>:<prefix>} for a binding to a key prefix; its permission is
 *       READ (read) or READWRITE (write, admin) on the prefix (every key without one).</li>
 *   <li>Everything that changes users, roles or whether auth is on is UNIMPLEMENTED, saying where
 *       that is configured instead: the files (re-read every {@code --tls-reload-seconds}) and the
 *       {@code --auth} flag.</li>
 * </ul>
 */
final class EtcdAuth {
    static final RaftKvException USER_NOT_FOUND =
            RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "etcdserver: user name not found");
    static final RaftKvException ROLE_NOT_FOUND =
            RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "etcdserver: role name not found");

    private static final Set<String> READS = Set.of("Authenticate", "UserList", "UserGet", "RoleList", "RoleGet");

    private final RaftNodeApi node;
    private final KvReader reader;
    private final ClientPortSecurity security;

    EtcdAuth(RaftNodeApi node, KvReader reader, ClientPortSecurity security) {
        this.node = Objects.requireNonNull(node, "node");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.security = Objects.requireNonNull(security, "security");
    }

    Service bindTo(CallRunner calls) {
        ServiceBuilder b = Service.service(AuthGrpcService.SERVICE_NAME, AuthGrpcService.SERVICE_DESCRIPTOR)
                .bind(
                        AuthGrpcService.Authenticate,
                        calls.unary(AuthGrpcService.Authenticate, r -> EtcdKv.etcd(() -> authenticate(r))))
                .bind(AuthGrpcService.UserList, calls.unary(AuthGrpcService.UserList, r -> EtcdKv.etcd(() -> users(r))))
                .bind(AuthGrpcService.UserGet, calls.unary(AuthGrpcService.UserGet, r -> EtcdKv.etcd(() -> user(r))))
                .bind(AuthGrpcService.RoleList, calls.unary(AuthGrpcService.RoleList, r -> EtcdKv.etcd(() -> roles(r))))
                .bind(AuthGrpcService.RoleGet, calls.unary(AuthGrpcService.RoleGet, r -> EtcdKv.etcd(() -> role(r))));
        for (ServiceMethod<?, ?> m : AuthGrpcService.all()) {
            if (!READS.contains(m.methodName())) {
                unsupported(b, m);
            }
        }
        return b.build();
    }

    private static <Req, Resp> void unsupported(ServiceBuilder b, ServiceMethod<Req, Resp> m) {
        String what = m.methodName().startsWith("Auth")
                ? "turning authentication on or off through the API (" + m.fullMethodName()
                        + "; it is the node's --auth flag)"
                : "changing users and roles through the API (" + m.fullMethodName()
                        + "; they are declared configuration: on Kubernetes the RaftKvCluster's spec.auth.users, from"
                        + " which the operator writes the <cluster>-auth Secret; elsewhere edit the --auth-tokens and"
                        + " --auth-roles files, which every node re-reads)";
        RaftKvException error = EtcdErrors.unsupported(what);
        b.bind(m, request -> {
            request.handler(msg -> {});
            ErrorTrailers.fail(request.response(), error);
        });
    }

    Future<AuthenticateResponse> authenticate(AuthenticateRequest r) {
        if (!security.authenticates()) {
            throw EtcdErrors.AUTH_NOT_ENABLED;
        }
        String token = security.authenticate(r.getName(), r.getPassword());
        if (token == null) {
            throw EtcdErrors.AUTH_FAILED;
        }
        return Future.succeededFuture(AuthenticateResponse.newBuilder()
                .setHeader(header())
                .setToken(token)
                .build());
    }

    Future<AuthUserListResponse> users(AuthUserListRequest r) {
        return Future.succeededFuture(AuthUserListResponse.newBuilder()
                .setHeader(header())
                .addAllUsers(bindings().keySet())
                .build());
    }

    Future<AuthUserGetResponse> user(AuthUserGetRequest r) {
        List<String> roles = bindings().get(r.getName());
        if (roles == null) {
            throw USER_NOT_FOUND;
        }
        return Future.succeededFuture(AuthUserGetResponse.newBuilder()
                .setHeader(header())
                .addAllRoles(new TreeSet<>(roles))
                .build());
    }

    Future<AuthRoleListResponse> roles(AuthRoleListRequest r) {
        Set<String> roles = new TreeSet<>();
        bindings().values().forEach(roles::addAll);
        return Future.succeededFuture(AuthRoleListResponse.newBuilder()
                .setHeader(header())
                .addAllRoles(roles)
                .build());
    }

    Future<AuthRoleGetResponse> role(AuthRoleGetRequest r) {
        boolean known = bindings().values().stream().anyMatch(l -> l.contains(r.getRole()));
        if (!known) {
            throw ROLE_NOT_FOUND;
        }
        String name = r.getRole();
        int colon = name.indexOf(':');
        String role = colon < 0 ? name : name.substring(0, colon);
        ByteString key;
        ByteString end;
        if (colon < 0) {
            key = ByteString.copyFrom(new byte[] {0});
            end = key;
        } else {
            key = ByteString.copyFrom(name.substring(colon + 1), StandardCharsets.UTF_8);
            end = EtcdRecipes.prefixEnd(key);
        }
        Permission.Type type = role.equals("read") ? Permission.Type.READ : Permission.Type.READWRITE;
        return Future.succeededFuture(AuthRoleGetResponse.newBuilder()
                .setHeader(header())
                .addPerm(Permission.newBuilder().setPermType(type).setKey(key).setRangeEnd(end))
                .build());
    }

    private Map<String, List<String>> bindings() {
        if (!security.authenticates()) {
            throw EtcdErrors.AUTH_NOT_ENABLED;
        }
        return security.roleBindings();
    }

    private ResponseHeader header() {
        return EtcdProtos.header(node.status(), reader.revisions().current());
    }
}
