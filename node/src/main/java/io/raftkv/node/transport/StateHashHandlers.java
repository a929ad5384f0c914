package io.raftkv.node.transport;

import io.raftkv.api.peer.v1.CorruptCheckRequest;
import io.raftkv.api.peer.v1.CorruptCheckResponse;
import io.raftkv.api.peer.v1.StateHashAtRequest;
import io.raftkv.api.peer.v1.StateHashAtResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.function.Function;

/**
 * The peer port's corruption-check calls: each request is checked like a batch (member binding
 * under TLS, cluster id, destination), then handed to the {@link StateHashes} port; answered when
 * its future completes, on the serving context.
 */
final class StateHashHandlers {
    private final PeerServer server;
    private final long selfId;
    private volatile StateHashes port;

    StateHashHandlers(PeerServer server, long selfId) {
        this.server = server;
        this.selfId = selfId;
    }

    void port(StateHashes port) {
        this.port = port;
    }

    void hashAt(GrpcServerRequest<StateHashAtRequest, StateHashAtResponse> req) {
        handle(
                req,
                StateHashAtRequest::getFrom,
                StateHashAtRequest::getClusterId,
                StateHashAtRequest::getTo,
                r -> port.hashAt(r.getIndex())
                        .map(h -> StateHashAtResponse.newBuilder()
                                .setMemberId(selfId)
                                .setIndex(r.getIndex())
                                .setHash(h)
                                .build()));
    }

    void corruptCheck(GrpcServerRequest<CorruptCheckRequest, CorruptCheckResponse> req) {
        handle(
                req,
                CorruptCheckRequest::getFrom,
                CorruptCheckRequest::getClusterId,
                CorruptCheckRequest::getTo,
                r -> port.checkNow(r.getFrom())
                        .map(o -> CorruptCheckResponse.newBuilder()
                                .setMemberId(selfId)
                                .setIndex(o.index())
                                .addAllCorrupt(o.corrupt())
                                .setCompared(o.compared())
                                .build()));
    }

    private <Q, A> void handle(
            GrpcServerRequest<Q, A> req,
            Function<Q, Long> from,
            Function<Q, Long> clusterId,
            Function<Q, Long> to,
            Function<Q, Future<A>> call) {
        Context serving = Vertx.currentContext();
        req.last().onSuccess(r -> {
            String unauthorized = server.peerRefusal(req, from.apply(r));
            if (unauthorized != null) {
                server.reject(req, GrpcStatus.PERMISSION_DENIED, unauthorized);
                return;
            }
            String problem = server.checkHeaderFor(clusterId.apply(r), to.apply(r));
            if (problem != null) {
                server.reject(req, GrpcStatus.FAILED_PRECONDITION, problem);
                return;
            }
            if (port == null) {
                server.reject(req, GrpcStatus.UNIMPLEMENTED, "member " + selfId + " runs no corruption check");
                return;
            }
            Future<A> answer;
            try {
                answer = call.apply(r);
            } catch (RuntimeException e) {
                answer = Future.failedFuture(e);
            }
            answer.onComplete(ar -> serving.runOnContext(v -> {
                if (ar.succeeded()) {
                    req.response().end(ar.result());
                } else if (ar.cause() instanceof AlarmReports.Refused refused) {
                    req.response()
                            .status(refused.status())
                            .statusMessage(refused.getMessage())
                            .end();
                } else {
                    req.response()
                            .status(GrpcStatus.UNAVAILABLE)
                            .statusMessage(String.valueOf(ar.cause().getMessage()))
                            .end();
                }
            }));
        });
    }
}
