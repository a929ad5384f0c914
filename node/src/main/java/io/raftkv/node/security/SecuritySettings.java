package io.raftkv.node.security;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The node's TLS and client-authentication settings, validated once (flags {@code --tls},
 * {@code --tls-cert}, {@code --tls-key}, {@code --tls-ca}, {@code --tls-reload-seconds},
 * {@code --auth}, {@code --auth-client-ca}, {@code --auth-tokens}, {@code --auth-roles}).
 *
 * @param tls          whether the peer port requires mutual TLS and the client port serves TLS
 * @param files        this node's certificate, key and the cluster CA
 * @param reloadPeriod how often files are checked for changes
 * @param auth         whether client calls must authenticate and are authorized by role
 * @param clientCa     CA bundle client certificates must chain to
 * @param tokensFile   bearer tokens file, or null
 * @param rolesFile    role bindings file, or null
 */
public record SecuritySettings(
        boolean tls,
        TlsFiles files,
        Duration reloadPeriod,
        boolean auth,
        Path clientCa,
        Path tokensFile,
        Path rolesFile) {

    /**
     * Reads and checks the settings.
     *
     * @param value  the resolved value of a setting by name
     * @param source where that value came from (for error messages)
     * @throws IllegalArgumentException naming the setting and its source
     */
    public static SecuritySettings from(UnaryOperator<String> value, UnaryOperator<String> source) {
        boolean tls = onOff("tls", value, source);
        boolean auth = onOff("auth", value, source);
        if (auth && !tls) {
            throw new IllegalArgumentException("--auth on needs --tls on: tokens and client certificates must not"
                    + " cross the network in plaintext (" + source.apply("auth") + ")");
        }
        long seconds;
        try {
            seconds = Long.parseLong(value.apply("tls-reload-seconds").trim());
        } catch (NumberFormatException e) {
            seconds = 0;
        }
        if (seconds <= 0) {
            throw new IllegalArgumentException("--tls-reload-seconds must be a positive integer, got '"
                    + value.apply("tls-reload-seconds") + "' (" + source.apply("tls-reload-seconds") + ")");
        }
        TlsFiles files = new TlsFiles(
                path("tls-cert", value, source), path("tls-key", value, source), path("tls-ca", value, source));
        String clientCa = value.apply("auth-client-ca");
        String tokens = value.apply("auth-tokens");
        String roles = value.apply("auth-roles");
        if (auth && tokens.isBlank() && roles.isBlank()) {
            throw new IllegalArgumentException("--auth on needs --auth-roles (who may do what), and --auth-tokens"
                    + " for clients without certificates");
        }
        if (auth && roles.isBlank()) {
            throw new IllegalArgumentException(
                    "--auth on needs --auth-roles: without role bindings no call" + " would be allowed");
        }
        return new SecuritySettings(
                tls,
                files,
                Duration.ofSeconds(seconds),
                auth,
                clientCa.isBlank() ? files.ca() : Path.of(clientCa),
                tokens.isBlank() ? null : Path.of(tokens),
                roles.isBlank() ? null : Path.of(roles));
    }

    private static boolean onOff(String name, UnaryOperator<String> value, UnaryOperator<String> source) {
        String v = value.apply(name).trim();
        return switch (v) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default ->
                throw new IllegalArgumentException(
                        "--" + name + " must be on or off, got '" + v + "' (" + source.apply(name) + ")");
        };
    }

    private static Path path(String name, UnaryOperator<String> value, UnaryOperator<String> source) {
        String v = value.apply(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--" + name + " must not be empty (" + source.apply(name) + ")");
        }
        return Path.of(v.trim());
    }
}
