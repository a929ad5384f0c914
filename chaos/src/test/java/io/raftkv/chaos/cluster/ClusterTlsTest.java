package io.raftkv.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files a TLS chaos run's nodes read, through the three steps of a CA rotation. */
class ClusterTlsTest {

    @TempDir
    Path dir;

    @Test
    void aRotationMovesEveryNodeToTheNextCaInThreeSteps() throws Exception {
        ClusterTls tls = ClusterTls.create(dir, "chaos-7");
        List<String> args = tls.nodeArgs(1);
        tls.nodeArgs(2);
        assertThat(args).containsSequence("--tls", "on").containsSequence("--auth", "on");
        Path node1 = dir.resolve("node-1");
        X509Certificate ca0 = only(node1.resolve("ca.crt"));
        X509Certificate leaf0 = only(node1.resolve("tls.crt"));
        leaf0.verify(ca0.getPublicKey());
        assertThat(leaf0.getSubjectAlternativeNames().stream()
                        .map(san -> san.get(0) + "=" + san.get(1))
                        .toList())
                .contains("6=raftkv://chaos-7/member/1", "7=127.0.0.1");
        assertThat(tls.serialOf(1)).isEqualTo(leaf0.getSerialNumber().toString(16));
        assertThat(certificates(dir.resolve("clients-ca.pem"))).hasSize(ClusterTls.MAX_ROTATIONS + 1);
        assertThat(Files.readString(dir.resolve("roles.txt"))).contains("chaos-admin admin", "chaos-writer write");
        assertThatThrownBy(tls::issueNext).isInstanceOf(IllegalStateException.class);

        tls.trustNext(); // 1: both CAs trusted, the certificates stay
        assertThat(certificates(node1.resolve("ca.crt"))).hasSize(2).first().isEqualTo(ca0);
        assertThat(only(node1.resolve("tls.crt"))).isEqualTo(leaf0);

        tls.issueNext(); // 2: certificates of the new CA, both still trusted
        X509Certificate ca1 = certificates(node1.resolve("ca.crt")).get(1);
        X509Certificate leaf1 = only(dir.resolve("node-2").resolve("tls.crt"));
        leaf1.verify(ca1.getPublicKey());
        assertThat(tls.generation()).isEqualTo(1);
        assertThat(tls.serialOf(2)).isEqualTo(leaf1.getSerialNumber().toString(16));

        tls.dropPrevious(); // 3: the old CA is gone
        assertThat(certificates(node1.resolve("ca.crt"))).containsExactly(ca1);
        tls.dropPrevious(); // idempotent
        assertThat(certificates(node1.resolve("ca.crt"))).containsExactly(ca1);
        tls.nodeArgs(3); // a member added later starts on the current generation
        only(dir.resolve("node-3").resolve("tls.crt")).verify(ca1.getPublicKey());
        assertThat(tls.admin().token()).isNotEqualTo(tls.writer().token());
    }

    private static X509Certificate only(Path pem) throws Exception {
        List<X509Certificate> certs = certificates(pem);
        assertThat(certs).hasSize(1);
        return certs.get(0);
    }

    @SuppressWarnings("unchecked")
    private static List<X509Certificate> certificates(Path pem) throws Exception {
        return List.copyOf((java.util.Collection<X509Certificate>) CertificateFactory.getInstance("X.509")
                .generateCertificates(
                        new ByteArrayInputStream(Files.readString(pem).getBytes(StandardCharsets.US_ASCII))));
    }
}
