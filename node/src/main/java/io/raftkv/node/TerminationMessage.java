package io.raftkv.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Why the node stopped, written where Kubernetes reads a container's termination message: the
 * file {@code RAFTKV_TERMINATION_LOG} names, else {@code /dev/termination-log} when it exists (the
 * kubelet creates it in every container). The operator reads it from the pod's status
 * ({@code state.terminated.message}). Outside Kubernetes nothing is written.
 */
final class TerminationMessage {
    static final String ENV = "RAFTKV_TERMINATION_LOG";
    static final Path DEFAULT = Path.of("/dev/termination-log");
    /** The kubelet keeps at most 4096 bytes. */
    static final int MAX_BYTES = 4096;

    private TerminationMessage() {}

    /** Writes {@code message} (truncated to {@value #MAX_BYTES} bytes); failures are ignored. */
    static void write(Map<String, String> env, String message) {
        Path file = env.containsKey(ENV) ? Path.of(env.get(ENV)) : DEFAULT;
        if (!env.containsKey(ENV) && !Files.exists(file)) {
            return;
        }
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        try {
            Files.write(file, bytes.length <= MAX_BYTES ? bytes : java.util.Arrays.copyOf(bytes, MAX_BYTES));
        } catch (IOException | RuntimeException e) {
            // the message is a courtesy: the log says the same
        }
    }
}
