package io.raftkv.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.raftkv.operator.api.v1alpha1.IssuerRefSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.membership.AdminCredentials;
import io.raftkv.operator.membership.FakeNodeAdmin;
import io.raftkv.operator.membership.MembershipSettings;
import io.raftkv.operator.metrics.ClusterMetrics;
import io.raftkv.operator.security.Certificate;
import io.raftkv.operator.security.CertificateAuthority;
import io.raftkv.operator.security.CertificatesDependent;
import io.raftkv.operator.security.Pem;
import io.raftkv.operator.security.SecretData;
import io.raftkv.operator.security.TlsPlanner;
import io.raftkv.operator.status.ClusterStatusCalculator;
import io.raftkv.operator.status.ConditionTypes;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.tls.issuerRef} against the mock API server with cert-manager's Certificate CRD
 * installed, the test playing cert-manager: the operator creates a Certificate per member pod, one
 * for itself and one for the admin credential, reports SecurityReady=False CertificatesPending
 * (with a Warning event) while cert-manager has not written their Secrets, then assembles the pods'
 * Secret {@code <cluster>-tls} and the admin Secret from what cert-manager wrote; changing the
 * issuer of an existing cluster is refused.
 */
@EnableKubernetesMockClient(crud = true)
class CertManagerMockServerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    static KubernetesClient client;
    private static Operator operator;

    @BeforeAll
    static void startOperator() throws Exception {
        try (InputStream crd = new FileInputStream(TestClusters.generatedCrd().toFile())) {
            client.apiextensions().v1().customResourceDefinitions().load(crd).create();
        }
        client.apiextensions()
                .v1()
                .customResourceDefinitions()
                .resource(new CustomResourceDefinitionBuilder()
                        .withNewMetadata()
                        .withName("certificates.cert-manager.io")
                        .endMetadata()
                        .withNewSpec()
                        .withGroup("cert-manager.io")
                        .withScope("Namespaced")
                        .withNewNames()
                        .withKind("Certificate")
                        .withPlural("certificates")
                        .withSingular("certificate")
                        .withListKind("CertificateList")
                        .endNames()
                        .addNewVersion()
                        .withName("v1")
                        .withServed(true)
                        .withStorage(true)
                        .withNewSchema()
                        .withNewOpenAPIV3Schema()
                        .withType("object")
                        .withXKubernetesPreserveUnknownFields(true)
                        .endOpenAPIV3Schema()
                        .endSchema()
                        .endVersion()
                        .endSpec()
                        .build())
                .create();
        CertificatesDependent.CertManagerInstalled.clear();
        operator = RaftKvOperator.create(
                client,
                new SimpleMeterRegistry(),
                new ClusterMetrics(new SimpleMeterRegistry()),
                new OperatorSettings(Set.of(), false, "unused", Optional.empty(), "test", 0),
                Optional.empty(),
                Clock.systemUTC(),
                new FakeNodeAdmin(),
                (cluster, ordinal) -> ClusterObjects.podName(cluster, ordinal),
                MembershipSettings.DEFAULTS,
                new AdminCredentials(),
                new TlsPlanner());
        operator.start();
    }

    @AfterAll
    static void stopOperator() {
        if (operator != null) {
            operator.stop();
        }
        CertificatesDependent.CertManagerInstalled.clear();
    }

    @Test
    void certManagerIssuesAndTheOperatorServesItsSecrets() throws Exception {
        String ns = "cm";
        RaftKvCluster cluster = TestClusters.cluster(ns, "kv", 3);
        IssuerRefSpec ref = new IssuerRefSpec();
        ref.setName("team-ca");
        ref.setKind("ClusterIssuer");
        cluster.getSpec().setTls(new io.raftkv.operator.api.v1alpha1.TlsSpec());
        cluster.getSpec().getTls().setIssuerRef(ref);
        RaftKvCluster created = client.resource(cluster).create();

        List<String> names = List.of("kv-0-tls", "kv-1-tls", "kv-2-tls", "kv-operator-tls", "kv-admin-tls");
        Map<String, Certificate> certs = await().atMost(TIMEOUT)
                .until(CertManagerMockServerTest::certificates, c -> c.keySet().containsAll(names));
        assertThat(certs.keySet()).containsExactlyInAnyOrderElementsOf(names);
        Map<String, Object> member = spec(certs.get("kv-2-tls"));
        assertThat(member)
                .containsEntry("secretName", "kv-2-tls")
                .containsEntry("duration", "2160h")
                .containsEntry("renewBefore", "720h")
                .containsEntry(
                        "issuerRef", Map.of("name", "team-ca", "kind", "ClusterIssuer", "group", "cert-manager.io"));
        assertThat((List<String>) member.get("dnsNames")).contains("kv-2.kv-peers.cm.svc", "kv.cm.svc", "localhost");
        assertThat((List<String>) member.get("usages")).contains("server auth", "client auth");
        assertThat((Map<String, Object>) member.get("privateKey"))
                .containsEntry("algorithm", "ECDSA")
                .containsEntry("encoding", "PKCS8");
        assertThat(spec(certs.get("kv-operator-tls"))).containsEntry("commonName", "raftkv-operator");
        assertThat((List<String>) spec(certs.get("kv-operator-tls")).get("usages"))
                .doesNotContain("server auth");
        assertThat(spec(certs.get("kv-admin-tls"))).containsEntry("commonName", "admin");
        assertThat(certs.get("kv-0-tls").getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o ->
                        assertThat(o.getUid()).isEqualTo(created.getMetadata().getUid()));

        // cert-manager has written nothing yet: pending, said so, and the pods mount <cluster>-tls as always
        RaftKvCluster pending =
                awaitStatus(ns, c -> "CertificatesPending".equals(reason(c, ConditionTypes.SECURITY_READY)));
        assertThat(condition(pending, ConditionTypes.SECURITY_READY).getStatus())
                .isEqualTo("False");
        assertThat(condition(pending, ConditionTypes.SECURITY_READY).getMessage())
                .contains("waiting for cert-manager", "kv-0-tls", "kv-admin-tls");
        await().atMost(TIMEOUT).until(() -> eventReasons(ns).contains("CertificatesPending"));
        StatefulSet sts = await().atMost(TIMEOUT).until(() -> get(StatefulSet.class, ns, "kv"), s -> s != null);
        assertThat(sts.getSpec().getTemplate().getSpec().getVolumes())
                .filteredOn(v -> v.getSecret() != null)
                .extracting(v -> v.getSecret().getSecretName())
                .contains("kv-tls");
        assertThat(get(Secret.class, ns, "kv-ca"))
                .satisfies(s -> assertThat(s == null ? Map.of() : SecretData.text(Optional.of(s)))
                        .doesNotContainKey("ca.key"));

        // play cert-manager: a CA issuer writes tls.crt, tls.key and ca.crt into each Secret
        Instant now = Instant.now();
        CertificateAuthority ca = CertificateAuthority.create("team ca", now, Duration.ofDays(365));
        Map<String, String> written = new LinkedHashMap<>();
        for (String name : names) {
            var issued = ca.issue(name, List.of(name + ".example"), now, Duration.ofDays(90));
            written.put(name, issued.certificatePem());
            client.resource(new SecretBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .withNamespace(ns)
                            .endMetadata()
                            .withType("kubernetes.io/tls")
                            .addToData("tls.crt", b64(issued.certificatePem()))
                            .addToData("tls.key", b64(issued.keyPem()))
                            .addToData("ca.crt", b64(Pem.of(ca.certificate())))
                            .build())
                    .create();
        }
        RaftKvCluster ready =
                awaitStatus(ns, c -> "CertificatesValid".equals(reason(c, ConditionTypes.SECURITY_READY)));
        assertThat(condition(ready, ConditionTypes.SECURITY_READY).getStatus()).isEqualTo("True");
        Map<String, String> tls = SecretData.text(Optional.of(get(Secret.class, ns, "kv-tls")));
        assertThat(tls.get("kv-0.crt")).isEqualTo(written.get("kv-0-tls"));
        assertThat(tls.get("kv-2.crt")).isEqualTo(written.get("kv-2-tls"));
        assertThat(tls).containsKeys("kv-1.key", "ca.crt");
        assertThat(Pem.certificates(tls.get("ca.crt"))).singleElement().isEqualTo(ca.certificate());
        Map<String, String> admin = SecretData.text(Optional.of(get(Secret.class, ns, "kv-admin")));
        assertThat(admin.get("tls.crt")).isEqualTo(written.get("kv-admin-tls"));
        assertThat(admin).containsKeys("tls.key", "ca.crt", "token");
        Map<String, String> caSecret = SecretData.text(Optional.of(get(Secret.class, ns, "kv-ca")));
        assertThat(caSecret.get("operator.crt")).isEqualTo(written.get("kv-operator-tls"));
        assertThat(caSecret).doesNotContainKey("ca.key").containsKey("issuer");
        assertThat(ready.getStatus().getTls().getMemberCertificates()).isEqualTo(3);

        // the issuer of a running cluster cannot change: refused, nothing rewritten
        client.resources(RaftKvCluster.class)
                .inNamespace(ns)
                .withName("kv")
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"tls\":{\"issuerRef\":{\"name\":\"other-ca\"}}}}");
        RaftKvCluster refused = awaitStatus(ns, c -> "True".equals(status(c, ConditionTypes.DEGRADED)));
        assertThat(condition(refused, ConditionTypes.DEGRADED).getMessage())
                .contains("spec.tls.issuerRef", "cannot change on an existing cluster");
        assertThat(spec(certificates().get("kv-0-tls")).get("issuerRef"))
                .isEqualTo(Map.of("name", "team-ca", "kind", "ClusterIssuer", "group", "cert-manager.io"));
    }

    private static Map<String, Certificate> certificates() {
        Map<String, Certificate> out = new LinkedHashMap<>();
        client.resources(Certificate.class).inNamespace("cm").list().getItems().stream()
                .forEach(c -> out.put(c.getMetadata().getName(), c));
        return out;
    }

    private static Map<String, Object> spec(Certificate r) {
        return r.getSpec();
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static <T extends HasMetadata> T get(Class<T> type, String namespace, String name) {
        return client.resources(type).inNamespace(namespace).withName(name).get();
    }

    private static RaftKvCluster awaitStatus(String namespace, Predicate<RaftKvCluster> predicate) {
        return await().atMost(TIMEOUT)
                .until(
                        () -> get(RaftKvCluster.class, namespace, "kv"),
                        c -> c != null && c.getStatus() != null && predicate.test(c));
    }

    private static String reason(RaftKvCluster c, String type) {
        return ClusterStatusCalculator.find(c.getStatus(), type)
                .map(Condition::getReason)
                .orElse(null);
    }

    private static String status(RaftKvCluster c, String type) {
        return ClusterStatusCalculator.find(c.getStatus(), type)
                .map(Condition::getStatus)
                .orElse(null);
    }

    private static Condition condition(RaftKvCluster cluster, String type) {
        return ClusterStatusCalculator.find(cluster.getStatus(), type).orElseThrow();
    }

    private static List<String> eventReasons(String namespace) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .map(e -> e.getReason())
                .toList();
    }
}
