package io.raftkv.node.net;

import io.vertx.core.net.SocketAddress;

/**
 * A validated {@code host:port} (IPv6 hosts in brackets: {@code [::1]:9091}).
 *
 * @param host host name or IP literal (without brackets)
 * @param port 1–65535, or 0 for "any free port" when binding
 */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
    }

    /** @throws IllegalArgumentException with the offending text when {@code text} is not host:port */
    public static HostPort parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("address must be host:port, got null");
        }
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("address must be host:port, got '" + text + "'");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("IPv6 hosts need brackets ([::1]:9091), got '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port of '" + text + "' is not a number");
        }
        return new HostPort(host, port);
    }

    public SocketAddress toSocketAddress() {
        return SocketAddress.inetSocketAddress(port, host);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
