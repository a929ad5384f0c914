package io.raftkv.operator;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operator's settings, from flags ({@code --name=value}) or environment variables; a flag
 * wins over its variable.
 *
 * <pre>
 * flag                  variable                      default
 * --watch-namespaces    RAFTKV_WATCH_NAMESPACES       "" = all namespaces; else a,b,c
 * --leader-election     RAFTKV_LEADER_ELECTION        true
 * --lease-name          RAFTKV_LEASE_NAME             raftkv-operator-lock
 * --lease-namespace     RAFTKV_LEASE_NAMESPACE        the client's namespace (in a pod: its own)
 * --identity            POD_NAME                      host name
 * --http-port           RAFTKV_OPERATOR_HTTP_PORT     8080
 * </pre>
 */
public record OperatorSettings(
        Set<String> watchNamespaces,
        boolean leaderElection,
        String leaseName,
        Optional<String> leaseNamespace,
        String identity,
        int httpPort) {

    private static final Map<String, String> FLAG_TO_ENV = new LinkedHashMap<>();

    static {
        FLAG_TO_ENV.put("watch-namespaces", "RAFTKV_WATCH_NAMESPACES");
        FLAG_TO_ENV.put("leader-election", "RAFTKV_LEADER_ELECTION");
        FLAG_TO_ENV.put("lease-name", "RAFTKV_LEASE_NAME");
        FLAG_TO_ENV.put("lease-namespace", "RAFTKV_LEASE_NAMESPACE");
        FLAG_TO_ENV.put("identity", "POD_NAME");
        FLAG_TO_ENV.put("http-port", "RAFTKV_OPERATOR_HTTP_PORT");
    }

    /** True when no namespace is listed: the operator watches every namespace. */
    public boolean watchesAllNamespaces() {
        return watchNamespaces.isEmpty();
    }

    /**
     * Parses {@code args} and {@code env}.
     *
     * @throws IllegalArgumentException naming the flag or variable that is wrong
     */
    public static OperatorSettings parse(List<String> args, Map<String, String> env, String hostName) {
        Map<String, String> values = new LinkedHashMap<>();
        FLAG_TO_ENV.forEach((flag, variable) -> {
            String value = env.get(variable);
            if (value != null) {
                values.put(flag, value.trim());
            }
        });
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException(
                        "unexpected argument '" + arg + "': use --name=value with one of " + FLAG_TO_ENV.keySet());
            }
            String flag = arg.substring(2, arg.indexOf('='));
            if (!FLAG_TO_ENV.containsKey(flag)) {
                throw new IllegalArgumentException(
                        "unknown flag --" + flag + ": known flags are " + FLAG_TO_ENV.keySet());
            }
            values.put(flag, arg.substring(arg.indexOf('=') + 1).trim());
        }
        Set<String> namespaces = Arrays.stream(
                        values.getOrDefault("watch-namespaces", "").split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(java.util.TreeSet::new));
        for (String ns : namespaces) {
            if (!ns.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
                throw new IllegalArgumentException("--watch-namespaces: '" + ns + "' is not a valid namespace name");
            }
        }
        String election = values.getOrDefault("leader-election", "true");
        if (!election.equals("true") && !election.equals("false")) {
            throw new IllegalArgumentException("--leader-election must be true or false, got '" + election + "'");
        }
        String leaseName = values.getOrDefault("lease-name", "raftkv-operator-lock");
        if (leaseName.isEmpty()) {
            throw new IllegalArgumentException("--lease-name must not be empty");
        }
        Optional<String> leaseNamespace =
                Optional.ofNullable(values.get("lease-namespace")).filter(s -> !s.isEmpty());
        String identity = Optional.ofNullable(values.get("identity"))
                .filter(s -> !s.isEmpty())
                .orElse(hostName);
        int port;
        try {
            port = Integer.parseInt(values.getOrDefault("http-port", "8080"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--http-port must be a number, got '" + values.get("http-port") + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--http-port must be within 0..65535, got " + port);
        }
        return new OperatorSettings(
                namespaces, Boolean.parseBoolean(election), leaseName, leaseNamespace, identity, port);
    }
}
