package io.raftkv.node;

import io.raftkv.node.security.SecuritySettings;
import java.util.List;

/** TLS of both ports and client authentication; {@link SecuritySettings} reads and checks them. */
final class SecurityFlags {
    static final List<Setting> SETTINGS = List.of(
            new Setting(
                    "tls",
                    "off",
                    "on: the peer port requires mutual TLS between members and the client port"
                            + " serves TLS (see docs/security.md); off: both plaintext."),
            new Setting(
                    "tls-cert",
                    "/etc/raftkv/tls/tls.crt",
                    "This node's certificate chain (PEM): server"
                            + " certificate of both ports and client certificate towards peers. Re-read when it changes."),
            new Setting("tls-key", "/etc/raftkv/tls/tls.key", "Private key of --tls-cert (PEM, PKCS#8 or PKCS#1)."),
            new Setting(
                    "tls-ca",
                    "/etc/raftkv/tls/ca.crt",
                    "The cluster CA bundle (PEM) peers' certificates must" + " chain to."),
            new Setting("tls-reload-seconds", "10", "How often the TLS and auth files are checked for changes."),
            new Setting(
                    "auth",
                    "off",
                    "on: every client call must authenticate (client certificate or bearer token)"
                            + " and is authorized by role; needs --tls on."),
            new Setting("auth-client-ca", "", "CA bundle (PEM) client certificates must chain to (default: --tls-ca)."),
            new Setting(
                    "auth-tokens",
                    "",
                    "Bearer tokens file: one 'token,user' per line (as Kubernetes' static"
                            + " token file); '#' starts a comment."),
            new Setting(
                    "auth-roles",
                    "",
                    "Role bindings file: one 'user role [key-prefix]' per line, role read," + " write or admin."));

    private final SettingValues v;

    SecurityFlags(SettingValues v) {
        this.v = v;
    }

    SecuritySettings security() {
        return SecuritySettings.from(v::text, v::source);
    }
}
