package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator renews and rotates the certificates of a running cluster (issue 17), under
 * continuous writes from 4 clients, with real node processes that reload the files the simulated
 * kubelet updates in their Secret volumes: (1) every leaf certificate renewed before expiry (the
 * spec moves {@code renewBeforeDays} past the certificates' remaining validity); (2) a CA rotation
 * asked for with the annotation {@code raftkv.io/rotate-ca}, in its three phases
 * ({@code RAFTKV_TLS_PROPAGATION_SECONDS=20} in this rig). After each step every member serves a
 * new certificate (read from a real TLS handshake), no node process restarted, the operator still
 * reaches every node over TLS, and afterwards every acknowledged write is read back. Run by
 * {@code make e2e} ({@code -Draftkv.e2e.full=true}).
 */
@EnabledIfSystemProperty(named = "raftkv.e2e.full", matches = "true")
@ExtendWith(E2eDiagnostics.class)
class OperatorCertificateRotationE2eTest {

    static final String NS = "e2e";
    static final String NAME = "rot";
    static final int CLIENTS = 4;
    static final Duration STEP_TIMEOUT = Duration.ofMinutes(4);

    @RegisterExtension
    static final E2eRig RIG = new E2eRig(NS);

    static OperatorE2eHarness harness;
    static E2eCluster cluster;

    @BeforeAll
    static void start() {
        harness = RIG.harness();
        cluster = RIG.cluster(NAME).create("");
        cluster.awaitAvailable(
                s -> assertThat(s.condition("SecurityReady")).as("%s", s).contains("True"));
    }

    @Test
    void leafRenewalAndCaRotationOnARunningClusterLoseNoWrite() throws Exception {
        long t0 = System.nanoTime();
        int launches = harness.kubelet().launches();
        List<X509Certificate> first = served();
        X509Certificate firstCa = caCertificate();
        for (X509Certificate c : first) {
            c.verify(firstCa.getPublicKey());
        }
        try (WriteLoad load = cluster.newLoad("rotate")) {
            load.start(CLIENTS);
            E2eCluster.awaitAcknowledged(load, 50);

            // (1) renewal before expiry: the certificates have ~90 days left, renewal is now due at
            // 300 days before expiry; the new ones are valid 400 days, by the same CA
            long beforeRenewal = load.acknowledgedSoFar();
            harness.cluster(NS, NAME).edit(cr -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> spec =
                        (Map<String, Object>) cr.getAdditionalProperties().get("spec");
                @SuppressWarnings("unchecked")
                Map<String, Object> tls = new HashMap<>((Map<String, Object>) spec.getOrDefault("tls", Map.of()));
                tls.put("certificateDays", 400);
                tls.put("renewBeforeDays", 300);
                spec.put("tls", tls);
                return cr;
            });
            List<X509Certificate> renewed = awaitServed("every member serves a renewed certificate", first, c -> {
                c.verify(firstCa.getPublicKey());
                assertThat(c.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(300)));
            });
            E2eCluster.awaitAcknowledged(load, load.acknowledgedSoFar() + 50);
            long afterRenewal = load.acknowledgedSoFar();

            // (2) CA rotation on request: new CA in the bundle, leaves reissued, old CA dropped
            cluster.annotate("raftkv.io/rotate-ca", "e2e-" + harness.seed());
            AtomicReference<X509Certificate> newCa = new AtomicReference<>();
            await("a new CA").atMost(STEP_TIMEOUT).untilAsserted(() -> {
                X509Certificate ca = caCertificate();
                assertThat(ca.getSerialNumber()).isNotEqualTo(firstCa.getSerialNumber());
                newCa.set(ca);
            });
            awaitServed(
                    "every member serves a certificate of the new CA",
                    renewed,
                    c -> c.verify(newCa.get().getPublicKey()));
            await("the old CA leaves every bundle")
                    .atMost(STEP_TIMEOUT)
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        assertThat(secretText(NAME + "-ca")).doesNotContainKey("previous-ca.crt");
                        assertThat(certificates(secretText(NAME + "-tls").get("ca.crt")))
                                .containsExactly(newCa.get());
                        var s = harness.status(NS, NAME);
                        assertThat(s.condition("SecurityReady")).as("%s", s).contains("True");
                    });
            // files reloaded by every node (10 s reload period) and the cluster still writes
            E2eCluster.awaitAcknowledged(load, load.acknowledgedSoFar() + 200);
            for (int i = 0; i < 3; i++) {
                assertThat(harness.nodeStatus(NS, NAME, i).getMembersCount())
                        .as("the operator's credentials reach pod %d over TLS after the rotation", i)
                        .isEqualTo(3);
            }
            E2eCluster.Checked checked = cluster.stopAndVerify(load);
            assertThat(harness.kubelet().launches())
                    .as("no node process restarted for the new certificates")
                    .isEqualTo(launches);
            assertThat(afterRenewal).isGreaterThan(beforeRenewal);
            E2eCluster.report(
                    "certificate renewal + CA rotation by the operator under writes (CA serial "
                            + firstCa.getSerialNumber().toString(16)
                            + " -> " + newCa.get().getSerialNumber().toString(16) + ")",
                    t0,
                    checked);
        }
    }

    interface CertificateCheck {
        void check(X509Certificate served) throws Exception;
    }

    /** Waits until every member serves a certificate other than its one in {@code before} that passes {@code check}. */
    private static List<X509Certificate> awaitServed(
            String what, List<X509Certificate> before, CertificateCheck check) {
        AtomicReference<List<X509Certificate>> seen = new AtomicReference<>();
        await(what).atMost(STEP_TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            List<X509Certificate> now = served();
            for (int i = 0; i < now.size(); i++) {
                BigInteger old = before.get(i).getSerialNumber();
                assertThat(now.get(i).getSerialNumber())
                        .as("serial served by pod %d", i)
                        .isNotEqualTo(old);
                check.check(now.get(i));
            }
            seen.set(now);
        });
        return seen.get();
    }

    /** The certificate each member's client port serves, by ordinal (a real TLS handshake). */
    private static List<X509Certificate> served() throws Exception {
        List<X509Certificate> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            out.add(servedBy(harness.kubelet().clientAddress(NS, NAME, i)));
        }
        return out;
    }

    private static X509Certificate servedBy(String address) throws Exception {
        AtomicReference<X509Certificate> seen = new AtomicReference<>();
        X509TrustManager capture = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen.set(chain[0]);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {capture}, null);
        int colon = address.lastIndexOf(':');
        try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory()
                .createSocket(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))) {
            socket.setSoTimeout(5_000);
            socket.setSSLParameters(alpn(socket));
            try {
                socket.startHandshake();
            } catch (java.io.IOException refusedLater) {
                // the server's certificate came before any refusal of this client (no certificate)
            }
        }
        assertThat(seen.get()).as("certificate served at %s", address).isNotNull();
        return seen.get();
    }

    private static javax.net.ssl.SSLParameters alpn(SSLSocket socket) {
        javax.net.ssl.SSLParameters p = socket.getSSLParameters();
        p.setApplicationProtocols(new String[] {"h2"});
        return p;
    }

    private static X509Certificate caCertificate() throws Exception {
        return certificates(secretText(NAME + "-ca").get("ca.crt")).get(0);
    }

    private static Map<String, String> secretText(String name) {
        Secret s = harness.client().secrets().inNamespace(NS).withName(name).get();
        Map<String, String> out = new HashMap<>();
        if (s != null && s.getData() != null) {
            s.getData()
                    .forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static List<X509Certificate> certificates(String pem) throws Exception {
        List<X509Certificate> out = new ArrayList<>();
        for (var c : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            out.add((X509Certificate) c);
        }
        return out;
    }
}
