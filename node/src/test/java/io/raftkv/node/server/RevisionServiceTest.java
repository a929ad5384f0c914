package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.v1.CompactRequest;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.KVGrpcClient;
import io.raftkv.api.v1.KeyInterval;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revisions over the wire with a real state machine (one node, no Raft, as in
 * {@link KvServiceStateMachineTest}): header revisions, Range at a revision and pages that stay
 * consistent while the keys change, count and count-only, delete by prefix and range, and
 * compaction with its errors naming the compact revision.
 */
class RevisionServiceTest {
    @TempDir
    Path dir;

    private NodeStorage storage;
    private ClientServerFixture f;
    private long nextIndex = 1;

    @BeforeEach
    void start() {
        storage = NodeStorage.open(dir, StorageOptions.defaults());
        f = new ClientServerFixture(ServerLimits.defaults(), KvReader.of(storage::stateMachine));
        f.node.onPropose = this::applyNow;
    }

    @AfterEach
    void stop() {
        f.close();
        storage.close();
    }

    private synchronized Future<io.raftkv.node.kv.ApplyResult> applyNow(Command c) {
        Entry e = new Entry(1, nextIndex++, EntryType.NORMAL, CommandCodec.encode(c));
        storage.raftLog()
                .persist(new HardState(1, 1, e.index()), List.of(e), null)
                .join();
        return Future.succeededFuture(
                storage.stateMachine().apply(List.of(e), Map.of()).join().get(0));
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private PutResponse put(String k, String v) {
        return f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder()
                                .setKey(bytes(k))
                                .setValue(bytes(v))
                                .build())
                .body();
    }

    private ClientServerFixture.Reply<RangeResponse> range(RangeRequest.Builder r) {
        return f.call(KVGrpcClient.Range, r.build());
    }

    private static List<String> keys(RangeResponse r) {
        return r.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
    }

    @Test
    void everyHeaderCarriesTheRevisionAndPagesAtTheFirstPagesRevisionStayConsistent() {
        assertThat(f.call(
                                KVGrpcClient.Get,
                                GetRequest.newBuilder().setKey(bytes("a")).build())
                        .body()
                        .getHeader()
                        .getRevision())
                .as("the empty store")
                .isEqualTo(1);
        for (String k : List.of("a", "b", "c", "d", "e")) {
            put(k, k + "1");
        }
        RangeResponse first = range(
                        RangeRequest.newBuilder().setPrefix(ByteString.EMPTY).setLimit(2))
                .body();
        long rev = first.getHeader().getRevision();
        assertThat(rev).isEqualTo(6);
        assertThat(keys(first)).containsExactly("a", "b");
        assertThat(first.getMore()).isTrue();
        assertThat(first.getCount()).isEqualTo(5);

        // The keys change between pages.
        f.call(
                        KVGrpcClient.Delete,
                        DeleteRequest.newBuilder().setKey(bytes("c")).build())
                .body();
        PutResponse written = put("d", "d2");
        assertThat(written.getHeader().getRevision()).isEqualTo(8);
        put("bb", "new");

        RangeResponse second = range(RangeRequest.newBuilder()
                        .setLimit(2)
                        .setRevision(rev)
                        .setInterval(KeyInterval.newBuilder().setStart(bytes("b\0"))))
                .body();
        assertThat(second.getHeader().getRevision()).isEqualTo(rev);
        assertThat(keys(second)).as("the range as of revision %d", rev).containsExactly("c", "d");
        assertThat(second.getKvs(1).getValue().toStringUtf8()).isEqualTo("d1");
        assertThat(second.getKvs(1).getModRevision()).isEqualTo(5);
        RangeResponse now =
                range(RangeRequest.newBuilder().setPrefix(ByteString.EMPTY)).body();
        assertThat(keys(now)).containsExactly("a", "b", "bb", "d", "e");
        assertThat(now.getHeader().getRevision()).isEqualTo(9);

        RangeResponse counted = range(RangeRequest.newBuilder()
                        .setPrefix(ByteString.EMPTY)
                        .setCountOnly(true)
                        .setRevision(rev))
                .body();
        assertThat(counted.getKvsCount()).isZero();
        assertThat(counted.getCount()).isEqualTo(5);
    }

    @Test
    void deleteByPrefixOrRangeIsOneRevisionAndReportsTheDeletedKeys() {
        for (String k : List.of("p/1", "p/2", "p/3", "q")) {
            put(k, "v");
        }
        DeleteResponse prefix = f.call(
                        KVGrpcClient.Delete,
                        DeleteRequest.newBuilder()
                                .setKey(bytes("p/"))
                                .setPrefix(true)
                                .setPrevKv(true)
                                .build())
                .body();
        assertThat(prefix.getDeleted()).isEqualTo(3);
        assertThat(prefix.getPrevKvsList())
                .extracting(kv -> kv.getKey().toStringUtf8())
                .containsExactly("p/1", "p/2", "p/3");
        assertThat(prefix.getHeader().getRevision()).isEqualTo(6);
        DeleteResponse none = f.call(
                        KVGrpcClient.Delete,
                        DeleteRequest.newBuilder()
                                .setKey(bytes("p/"))
                                .setPrefix(true)
                                .build())
                .body();
        assertThat(none.getDeleted()).isZero();
        assertThat(none.getHeader().getRevision())
                .as("nothing deleted, no new revision")
                .isEqualTo(6);
        DeleteResponse interval = f.call(
                        KVGrpcClient.Delete,
                        DeleteRequest.newBuilder()
                                .setKey(bytes("a"))
                                .setRangeEnd(bytes("r"))
                                .build())
                .body();
        assertThat(interval.getDeleted()).isEqualTo(1);
        assertThat(storage.stateMachine().get("q".getBytes())).isEmpty();
        var both = f.call(
                KVGrpcClient.Delete,
                DeleteRequest.newBuilder()
                        .setKey(bytes("a"))
                        .setPrefix(true)
                        .setRangeEnd(bytes("b"))
                        .build());
        assertThat(both.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
    }

    @Test
    void compactionRefusesOlderRevisionsNamingTheCompactRevision() {
        for (int i = 0; i < 5; i++) {
            put("k", "v" + i); // revisions 2..6
        }
        assertThat(f.call(
                                KVGrpcClient.Compact,
                                CompactRequest.newBuilder().setRevision(4).build())
                        .body()
                        .getHeader()
                        .getRevision())
                .isEqualTo(6);
        var old = range(RangeRequest.newBuilder().setPrefix(bytes("k")).setRevision(3));
        assertThat(old.status()).isEqualTo(GrpcStatus.OUT_OF_RANGE);
        assertThat(old.meta(ErrorTrailers.REASON)).isEqualTo("REVISION_COMPACTED");
        assertThat(old.message()).contains("compact revision is 4");
        RangeResponse atCompact = range(
                        RangeRequest.newBuilder().setPrefix(bytes("k")).setRevision(4))
                .body();
        assertThat(atCompact.getKvs(0).getValue().toStringUtf8()).isEqualTo("v2");
        var again = f.call(
                KVGrpcClient.Compact, CompactRequest.newBuilder().setRevision(4).build());
        assertThat(again.status()).isEqualTo(GrpcStatus.OUT_OF_RANGE);
        assertThat(again.meta(ErrorTrailers.REASON)).isEqualTo("REVISION_COMPACTED");
        var future = f.call(
                KVGrpcClient.Compact,
                CompactRequest.newBuilder().setRevision(99).build());
        assertThat(future.meta(ErrorTrailers.REASON)).isEqualTo("FUTURE_REVISION");
        var futureRead = range(RangeRequest.newBuilder().setPrefix(bytes("k")).setRevision(99));
        assertThat(futureRead.status()).isEqualTo(GrpcStatus.OUT_OF_RANGE);
        assertThat(futureRead.meta(ErrorTrailers.REASON)).isEqualTo("FUTURE_REVISION");
    }
}
