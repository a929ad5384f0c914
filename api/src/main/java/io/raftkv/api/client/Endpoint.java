package io.raftkv.api.client;

import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's client address, {@code host:port}. IPv6 literals are written in brackets
 * ({@code [::1]:9090}).
 */
public record Endpoint(String host, int port) {

    public Endpoint {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("endpoint host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("endpoint port " + port + " is outside 1..65535");
        }
    }

    /** Parses {@code host:port}; the message of the exception names the bad input. */
    public static Endpoint parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("endpoint is null");
        }
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("endpoint '" + text + "' is not host:port");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("endpoint '" + text + "': write IPv6 hosts as [addr]:port");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint '" + text + "' has a non-numeric port", e);
        }
        return new Endpoint(host, port);
    }

    /** Parses a comma-separated list; empty items are rejected, duplicates removed (first wins). */
    public static List<Endpoint> parseList(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            throw new IllegalArgumentException("endpoint list is empty");
        }
        List<Endpoint> out = new ArrayList<>();
        for (String item : commaSeparated.split(",", -1)) {
            if (item.isBlank()) {
                throw new IllegalArgumentException("endpoint list '" + commaSeparated + "' has an empty item");
            }
            Endpoint e = parse(item);
            if (!out.contains(e)) {
                out.add(e);
            }
        }
        return List.copyOf(out);
    }

    SocketAddress toSocketAddress() {
        return SocketAddress.inetSocketAddress(port, host);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
