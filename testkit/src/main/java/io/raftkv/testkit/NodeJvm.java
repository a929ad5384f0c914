package io.raftkv.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of a RaftKV node JVM, as the harnesses start it. */
public final class NodeJvm {
    /**
     * Same as {@code scripts/run-local.sh}: a small heap and a GC pause goal well below the 300 ms
     * minimum election timeout (G1's default goal of 200 ms alone can depose a leader on a busy
     * machine), and a Metaspace start size that avoids the class-loading GCs of the first seconds.
     */
    public static final List<String> DEFAULT_OPTIONS = List.of(
            "-Xms128m",
            "-Xmx256m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:MetaspaceSize=96m",
            "--enable-native-access=ALL-UNNAMED");

    private NodeJvm() {}

    /** The {@code java} binary of the running JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * {@code java <jvmOptions> -Xlog:gc:file=<gcLog>:uptime -jar <jar> <nodeArgs>}, with RocksDB's
     * library directory as {@code -Djava.library.path} ({@link RocksDbLibrary}) unless the options
     * name one.
     */
    public static List<String> fromJar(List<String> jvmOptions, Path gcLog, Path jar, List<String> nodeArgs) {
        List<String> cmd = start(jvmOptions, gcLog);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(nodeArgs);
        return RocksDbLibrary.withLibraryPath(cmd);
    }

    /**
     * {@code java <jvmOptions> -Xlog:gc:file=<gcLog>:uptime -cp <classPath> <mainClass> <nodeArgs>}:
     * a node from a class path (a test JVM's own, so tests need no packaged jar), with RocksDB's
     * library directory as {@code -Djava.library.path} as in {@link #fromJar}.
     */
    public static List<String> fromClassPath(
            List<String> jvmOptions, Path gcLog, String classPath, String mainClass, List<String> nodeArgs) {
        List<String> cmd = start(jvmOptions, gcLog);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(mainClass);
        cmd.addAll(nodeArgs);
        return RocksDbLibrary.withLibraryPath(cmd);
    }

    private static List<String> start(List<String> jvmOptions, Path gcLog) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(jvmOptions);
        if (gcLog != null) {
            cmd.add("-Xlog:gc:file=" + gcLog + ":uptime");
        }
        return cmd;
    }
}
