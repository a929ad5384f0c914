package io.raftkv.node.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.node.NodeConfig;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The peer port's certificate rules, one by one, on certificates from a test CA. */
class PeerTlsTest {
    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private final TestCa ca = TestCa.create("ca");
    private final AtomicReference<List<PeerTls.Member>> members = new AtomicReference<>(List.of(
            new PeerTls.Member(1, "127.0.0.1:9001"), new PeerTls.Member(2, "raftkv-1.raftkv-peer.ns.svc:9091")));

    @AfterEach
    void tearDown() {
        vertx.close();
    }

    private PeerTls peerTls() {
        ReloadingTls tls =
                ReloadingTls.load(vertx, ca.issue(TestCa.Leaf.member("prod", 1)).writeTo(dir.resolve("me")));
        return new PeerTls(tls, NodeConfig.clusterIdOf("prod"), NodeConfig::clusterIdOf, members::get);
    }

    private static X509Certificate cert(TestCa.Issued issued) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(issued.certPem().getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aMemberUriOfThisClusterNamesAMember() throws Exception {
        assertThat(peerTls().memberOf(cert(ca.issue(TestCa.Leaf.member("prod", 1)))))
                .isEqualTo(1);
        // The cluster part may be the name or its number.
        String number = String.valueOf(NodeConfig.clusterIdOf("prod"));
        assertThat(peerTls().memberOf(cert(ca.issue(TestCa.Leaf.member(number, 1)))))
                .isEqualTo(1);
    }

    @Test
    void anotherClustersMemberOrANonMemberIsRefused() throws Exception {
        assertThatThrownBy(() -> peerTls().memberOf(cert(ca.issue(TestCa.Leaf.member("staging", 1)))))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("names no member");
        assertThatThrownBy(() -> peerTls().memberOf(cert(ca.issue(TestCa.Leaf.member("prod", 3)))))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("not a current member");
    }

    @Test
    void aDnsNameOfAMembersPeerAddressNamesThatMember() throws Exception {
        TestCa.Leaf pod = new TestCa.Leaf(
                "raftkv-1",
                List.of(),
                List.of("raftkv-1.raftkv-peer.ns.svc"),
                List.of(),
                TestCa.Leaf.user("x").notBefore(),
                TestCa.Leaf.user("x").notAfter());
        assertThat(peerTls().memberOf(cert(ca.issue(pod)))).isEqualTo(2);
    }

    @Test
    void aJoiningNodeAcceptsAnyMemberOfItsCluster() throws Exception {
        members.set(List.of());
        assertThat(peerTls().memberOf(cert(ca.issue(TestCa.Leaf.member("prod", 5)))))
                .isEqualTo(5);
        members.set(null);
        assertThatThrownBy(() -> peerTls().memberOf(cert(ca.issue(TestCa.Leaf.member("prod", 5)))))
                .hasMessageContaining("not running yet");
    }

    /**
     * A learner started by the operator knows no configuration until the leader's entries arrive,
     * and must answer the leader it dials: a peer named by DNS only (the operator's certificates)
     * is accepted then; once a configuration is known, only its members are.
     */
    @Test
    void aJoiningNodeMayDialAPeerNamedByDnsOnly() throws Exception {
        TestCa.Leaf leader = new TestCa.Leaf(
                "raftkv-0",
                List.of(),
                List.of("raftkv-0.raftkv-peer.ns.svc"),
                List.of(),
                TestCa.Leaf.user("x").notBefore(),
                TestCa.Leaf.user("x").notAfter());
        X509Certificate cert = cert(ca.issue(leader));
        members.set(List.of());
        peerTls().checkServer(cert);
        members.set(List.of(new PeerTls.Member(1, "raftkv-0.raftkv-peer.ns.svc:9091")));
        peerTls().checkServer(cert);
        members.set(List.of(new PeerTls.Member(2, "raftkv-1.raftkv-peer.ns.svc:9091")));
        assertThatThrownBy(() -> peerTls().checkServer(cert)).hasMessageContaining("names no member");
        members.set(null);
        assertThatThrownBy(() -> peerTls().checkServer(cert)).hasMessageContaining("not running yet");
        peerTls().checkServer(cert(ca.issue(TestCa.Leaf.member("prod", 7)))); // a member URI always names one
    }

    @Test
    void pkixRefusesExpiredCertificatesAndOtherCas() throws Exception {
        ReloadingTls tls =
                ReloadingTls.load(vertx, ca.issue(TestCa.Leaf.member("prod", 1)).writeTo(dir.resolve("me")));
        X509Certificate expired = cert(ca.issue(TestCa.Leaf.member("prod", 1).expired()));
        assertThatThrownBy(() -> tls.caTrust()
                        .checkClientTrusted(new X509Certificate[] {expired, ca.certificate()}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("validity check failed");
        TestCa other = TestCa.create("other");
        X509Certificate foreign = cert(other.issue(TestCa.Leaf.member("prod", 1)));
        assertThatThrownBy(() -> tls.caTrust().checkClientTrusted(new X509Certificate[] {foreign}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
    }
}
