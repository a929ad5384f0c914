package io.raftkv.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Loopback ports that are free right now. */
public final class FreePorts {
    private FreePorts() {}

    /**
     * {@code n} distinct ports, found by binding ephemeral sockets and holding them all open until
     * every port is known, so none repeats. Another process may still take one before the node
     * binds it; the node then fails to start with a bind error in its log.
     */
    public static int[] allocate(int n) throws IOException {
        if (n < 1) {
            throw new IllegalArgumentException("need at least one port, got " + n);
        }
        List<ServerSocket> held = new ArrayList<>(n);
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                s.setReuseAddress(true);
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }
}
