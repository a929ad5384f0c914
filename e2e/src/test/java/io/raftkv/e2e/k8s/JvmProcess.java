package io.raftkv.e2e.k8s;

import io.raftkv.testkit.ManagedProcess;
import io.raftkv.testkit.NodeJvm;
import io.raftkv.testkit.RocksDbLibrary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One child JVM ({@code java [jvmArgs] -jar JAR [args]}) with exactly the given environment
 * (nothing inherited but {@code PATH}), its output appended to a log file: the test kit's
 * {@link ManagedProcess} (with harness marker lines for its start, kill and stop) without
 * inheriting this JVM's environment, and with RocksDB's library directory on the command line
 * ({@link RocksDbLibrary}) as for every node JVM the kit starts.
 *
 * <p>{@link #kill()} is SIGKILL (nothing flushed, as {@code kill -9}); {@link #terminate} is
 * SIGTERM followed by SIGKILL after the grace period, as the kubelet does.
 */
public final class JvmProcess {

    private final ManagedProcess process;

    private JvmProcess(ManagedProcess process) {
        this.process = process;
    }

    /**
     * Starts {@code jar}.
     *
     * @param env the whole environment of the child
     * @param log appended to (created with its parent directories)
     */
    public static JvmProcess start(
            String name, Path jar, List<String> jvmArgs, List<String> args, Map<String, String> env, Path log) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("jar " + jar.toAbsolutePath() + " does not exist: build it"
                    + " first (mvn -pl node,operator package -DskipTests), or point the system property at it");
        }
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        command.addAll(args);
        return exec(name, command, env, log);
    }

    /** This JVM's {@code java} binary, which runs every child JVM. */
    static String javaBinary() {
        return NodeJvm.java();
    }

    /**
     * Starts {@code command} as given (a container's command and arguments, already translated to
     * this machine), with exactly {@code env} and {@code PATH}, output appended to {@code log}.
     */
    public static JvmProcess exec(String name, List<String> command, Map<String, String> env, Path log) {
        Map<String, String> environment = new HashMap<>();
        environment.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        environment.putAll(env);
        ManagedProcess process =
                new ManagedProcess(name, RocksDbLibrary.withLibraryPath(command), environment, false, log, null);
        process.start();
        return new JvmProcess(process);
    }

    public String name() {
        return process.name();
    }

    public long pid() {
        return process.lastPid();
    }

    public Path log() {
        return process.log();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** The exit code, or -1 while running. */
    public int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** SIGKILL; returns once the process is gone. */
    public void kill() {
        process.kill();
    }

    /** SIGTERM, then SIGKILL once {@code grace} has passed; returns when the process is gone. */
    public void terminate(Duration grace) {
        process.terminate(grace);
    }

    /** The last {@code lines} lines of the log, for failure messages. */
    public String tail(int lines) {
        return process.tail(lines);
    }

    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        long pid = process.lastPid();
        return name() + " (pid " + pid + (alive() ? "" : ", exited " + exitCode()) + ")";
    }
}
