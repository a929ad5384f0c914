package io.raftkv.etcdcompat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * jetcd, etcd's Java client, unchanged, against three RaftKV node processes through RaftKV's etcd
 * API: KV (put, get with options, delete, txn), Cluster and Maintenance.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class JetcdTest {
    private static RaftKvProcesses cluster;
    private static Client client;

    @BeforeAll
    static void start() throws Exception {
        cluster = RaftKvProcesses.shared();
        client = Client.builder()
                .endpoints(cluster.endpoints().toArray(String[]::new))
                .build();
        await("one leader all members agree on, seen through etcd's Maintenance.Status")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(JetcdTest::agreedLeader);
    }

    private static boolean agreedLeader() throws Exception {
        java.util.Set<Long> leaders = new java.util.HashSet<>();
        for (String endpoint : cluster.endpoints()) {
            leaders.add(client.getMaintenanceClient()
                    .statusMember(endpoint)
                    .get(2, TimeUnit.SECONDS)
                    .getLeader());
        }
        return leaders.size() == 1 && !leaders.contains(0L);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
    }

    private static ByteSequence b(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    private static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @Test
    void kvPutGetDeleteAndTxn() throws Exception {
        KV kv = client.getKVClient();
        PutResponse first = get(kv.put(b("jetcd/a"), b("1")));
        get(kv.put(b("jetcd/b"), b("2")));
        PutResponse again = get(
                kv.put(b("jetcd/a"), b("3"), PutOption.builder().withPrevKV().build()));
        assertThat(again.hasPrevKv()).isTrue();
        assertThat(again.getPrevKv().getValue().toString(UTF_8)).isEqualTo("1");
        assertThat(again.getHeader().getRevision())
                .isGreaterThan(first.getHeader().getRevision());

        GetResponse prefix = get(kv.get(
                b("jetcd/"),
                GetOption.builder()
                        .isPrefix(true)
                        .withSortField(GetOption.SortTarget.KEY)
                        .withSortOrder(GetOption.SortOrder.DESCEND)
                        .build()));
        assertThat(prefix.getKvs()).extracting(x -> x.getKey().toString(UTF_8)).containsExactly("jetcd/b", "jetcd/a");
        assertThat(prefix.getCount()).isEqualTo(2);
        assertThat(prefix.getKvs().get(1).getVersion()).isEqualTo(2);

        GetResponse limited = get(kv.get(
                b("jetcd/"), GetOption.builder().isPrefix(true).withLimit(1).build()));
        assertThat(limited.isMore()).isTrue();
        assertThat(limited.getKvs()).hasSize(1);

        TxnResponse txn = get(kv.txn()
                .If(new Cmp(b("jetcd/a"), Cmp.Op.EQUAL, CmpTarget.value(b("3"))))
                .Then(Op.put(b("jetcd/c"), b("ok"), PutOption.DEFAULT), Op.get(b("jetcd/b"), GetOption.DEFAULT))
                .Else(Op.get(b("jetcd/a"), GetOption.DEFAULT))
                .commit());
        assertThat(txn.isSucceeded()).isTrue();
        assertThat(txn.getGetResponses().get(0).getKvs().get(0).getValue().toString(UTF_8))
                .isEqualTo("2");

        assertThat(get(kv.delete(b("jetcd/c"))).getDeleted()).isEqualTo(1);
        assertThat(get(kv.get(b("jetcd/c"))).getKvs()).isEmpty();
    }

    @Test
    void aTxnThatWritesAlsoReadsRangesAndNestsAtOneRevision() throws Exception {
        KV kv = client.getKVClient();
        get(kv.put(b("jnest/1"), b("a")));
        GetOption prefix = GetOption.builder().isPrefix(true).build();
        TxnResponse t = get(kv.txn()
                .If(new Cmp(b("jnest/1"), Cmp.Op.EQUAL, CmpTarget.value(b("a"))))
                .Then(
                        Op.get(b("jnest/"), prefix),
                        Op.put(b("jnest/2"), b("b"), PutOption.DEFAULT),
                        Op.get(
                                b("jnest/"),
                                GetOption.builder()
                                        .isPrefix(true)
                                        .withSortField(GetOption.SortTarget.CREATE)
                                        .withSortOrder(GetOption.SortOrder.DESCEND)
                                        .withLimit(1)
                                        .build()),
                        Op.txn(
                                new Cmp[] {new Cmp(b("jnest/2"), Cmp.Op.EQUAL, CmpTarget.version(0))},
                                new Op[] {Op.put(b("jnest/3"), b("then"), PutOption.DEFAULT)},
                                new Op[] {Op.put(b("jnest/3"), b("else"), PutOption.DEFAULT)}))
                .commit());
        assertThat(t.isSucceeded()).isTrue();
        assertThat(t.getGetResponses().get(0).getKvs())
                .as("read before the put")
                .extracting(x -> x.getKey().toString(UTF_8))
                .containsExactly("jnest/1");
        assertThat(t.getGetResponses().get(1).getKvs())
                .as("the newest key after the put, sorted and limited")
                .extracting(x -> x.getKey().toString(UTF_8))
                .containsExactly("jnest/2");
        assertThat(t.getTxnResponses().get(0).isSucceeded())
                .as("the nested compare saw jnest/2 absent, as before the transaction")
                .isTrue();
        GetResponse after = get(kv.get(b("jnest/"), prefix));
        assertThat(after.getKvs()).extracting(x -> x.getValue().toString(UTF_8)).containsExactly("a", "b", "then");
        assertThat(after.getKvs().get(1).getModRevision())
                .as("every write of the transaction at its one revision")
                .isEqualTo(after.getKvs().get(2).getModRevision())
                .isEqualTo(t.getHeader().getRevision());

        assertThatThrownBy(() -> get(kv.txn()
                        .Then(
                                Op.put(b("jnest/3"), b("x"), PutOption.DEFAULT),
                                Op.txn(
                                        new Cmp[0],
                                        new Op[] {Op.put(b("jnest/3"), b("y"), PutOption.DEFAULT)},
                                        new Op[0]))
                        .commit()))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("etcdserver: duplicate key given in txn request");
    }

    @Test
    void etcdErrorsReachJetcdAsEtcdErrors() {
        assertThatThrownBy(() -> get(client.getKVClient()
                        .put(
                                b("jetcd/leased"),
                                b("v"),
                                PutOption.builder().withLeaseId(0x1234abcdL).build())))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("etcdserver: requested lease not found");
    }

    @Test
    void clusterAndMaintenance() throws Exception {
        List<Member> members = get(client.getClusterClient().listMember()).getMembers();
        assertThat(members).hasSize(3);
        assertThat(members).allMatch(m -> !m.isLearner() && m.getPeerURIs().size() == 1);
        long leaders = 0;
        for (String endpoint : cluster.endpoints()) {
            StatusResponse s = get(client.getMaintenanceClient().statusMember(endpoint));
            leaders += s.getLeader() == s.getHeader().getMemberId() ? 1 : 0;
        }
        assertThat(leaders).isEqualTo(1);
    }
}
