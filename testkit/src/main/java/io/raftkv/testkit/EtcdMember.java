package io.raftkv.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of one member of a new etcd cluster on loopback, as the comparisons start etcd. */
public final class EtcdMember {
    private EtcdMember() {}

    /**
     * {@code etcd} as member {@code m<index>} of a new cluster whose members {@code m0..m<n-1>} listen
     * for peers on {@code peerPorts} (all on 127.0.0.1), with etcd's defaults otherwise; TLS and
     * logging flags are the caller's to add.
     *
     * @param scheme "http", or "https" when the caller adds certificate flags
     * @param token  the cluster's {@code --initial-cluster-token}
     */
    public static List<String> command(
            String binary, int index, Path dataDir, String scheme, int clientPort, int[] peerPorts, String token) {
        StringBuilder initial = new StringBuilder();
        for (int j = 0; j < peerPorts.length; j++) {
            initial.append(j == 0 ? "" : ",")
                    .append("m")
                    .append(j)
                    .append("=")
                    .append(scheme)
                    .append("://127.0.0.1:")
                    .append(peerPorts[j]);
        }
        String client = scheme + "://127.0.0.1:" + clientPort;
        String peer = scheme + "://127.0.0.1:" + peerPorts[index];
        return new ArrayList<>(List.of(
                binary,
                "--name",
                "m" + index,
                "--data-dir",
                dataDir.toString(),
                "--listen-client-urls",
                client,
                "--advertise-client-urls",
                client,
                "--listen-peer-urls",
                peer,
                "--initial-advertise-peer-urls",
                peer,
                "--initial-cluster",
                initial.toString(),
                "--initial-cluster-token",
                token,
                "--initial-cluster-state",
                "new"));
    }
}
