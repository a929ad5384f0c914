package io.raftkv.api.client;

import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.CompareAndSetResponse;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.GetResponse;
import io.raftkv.api.v1.KVGrpcClient;
import io.raftkv.api.v1.PipelinedCall;
import io.raftkv.api.v1.PipelinedResult;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.api.v1.TxnResponse;
import io.vertx.grpc.common.ServiceMethod;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How a unary KV method travels in a {@code KV.Pipeline} stream: which field of
 * {@link PipelinedCall} carries its request and which field of {@link PipelinedResult} its answer.
 * Range is not pipelined: its pages can be megabytes, which would hold up the small calls sharing
 * the stream.
 */
record PipelinedMethod<Req, Resp>(
        BiConsumer<PipelinedCall.Builder, Req> setRequest,
        PipelinedResult.ResultCase resultCase,
        Function<PipelinedResult, Resp> getResponse) {

    private static final Map<ServiceMethod<?, ?>, PipelinedMethod<?, ?>> BY_METHOD = Map.of(
            KVGrpcClient.Put,
                    new PipelinedMethod<PutRequest, PutResponse>(
                            PipelinedCall.Builder::setPut, PipelinedResult.ResultCase.PUT, PipelinedResult::getPut),
            KVGrpcClient.Get,
                    new PipelinedMethod<GetRequest, GetResponse>(
                            PipelinedCall.Builder::setGet, PipelinedResult.ResultCase.GET, PipelinedResult::getGet),
            KVGrpcClient.Delete,
                    new PipelinedMethod<DeleteRequest, DeleteResponse>(
                            PipelinedCall.Builder::setDelete,
                            PipelinedResult.ResultCase.DELETE,
                            PipelinedResult::getDelete),
            KVGrpcClient.CompareAndSet,
                    new PipelinedMethod<CompareAndSetRequest, CompareAndSetResponse>(
                            PipelinedCall.Builder::setCompareAndSet,
                            PipelinedResult.ResultCase.COMPARE_AND_SET,
                            PipelinedResult::getCompareAndSet),
            KVGrpcClient.Txn,
                    new PipelinedMethod<TxnRequest, TxnResponse>(
                            PipelinedCall.Builder::setTxn, PipelinedResult.ResultCase.TXN, PipelinedResult::getTxn));

    /** The pipelined form of {@code method}, or null when it is always sent as a unary call. */
    @SuppressWarnings("unchecked")
    static <Req, Resp> PipelinedMethod<Req, Resp> of(ServiceMethod<Resp, Req> method) {
        return (PipelinedMethod<Req, Resp>) BY_METHOD.get(method);
    }

    /** A call carrying {@code request}, with the attempt's timeout; the stream sets its id. */
    PipelinedCall.Builder call(Req request, long timeoutMillis) {
        PipelinedCall.Builder b = PipelinedCall.newBuilder()
                .setTimeoutMillis((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeoutMillis)));
        setRequest.accept(b, request);
        return b;
    }
}
