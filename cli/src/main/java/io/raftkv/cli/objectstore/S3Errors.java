package io.raftkv.cli.objectstore;

import java.util.Optional;
import javax.net.ssl.SSLException;

/** Plain-language messages for the failures of an S3 call a user can act on. */
public final class S3Errors {
    private S3Errors() {}

    /**
     * When {@code e} (or a cause) is a failed TLS handshake with the store: what failed, which CAs
     * were trusted and what to check; empty otherwise. The SDK's own message ("Unable to execute
     * HTTP request: PKIX path building failed ...") names neither the endpoint nor the trust used.
     */
    public static Optional<String> tlsFailure(Throwable e, S3Settings settings) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException ssl) {
                String trusted = settings.caBundle() != null
                        ? "trusting only the CA bundle " + settings.caBundle()
                        : "trusting the JVM's default CAs (give the store's CA with --s3-ca-file or AWS_CA_BUNDLE)";
                return Optional.of("TLS handshake with "
                        + (settings.endpoint() != null ? settings.endpoint() : "AWS S3 (" + settings.region() + ")")
                        + " failed, " + trusted + ": the store's certificate is not signed by a trusted CA or does"
                        + " not name the endpoint's host (" + ssl.getMessage() + ")");
            }
        }
        return Optional.empty();
    }
}
