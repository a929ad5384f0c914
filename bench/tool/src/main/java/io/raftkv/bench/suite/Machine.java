package io.raftkv.bench.suite;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A description of the machine a run used, for the report (read from /proc on Linux). */
public final class Machine {
    private Machine() {}

    public static JsonObject describe() {
        return new JsonObject()
                .put("cpus", Runtime.getRuntime().availableProcessors())
                .put("cpuModel", firstValue(Path.of("/proc/cpuinfo"), "model name"))
                .put("memTotal", firstValue(Path.of("/proc/meminfo"), "MemTotal"))
                .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
                .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
                .put("loadAverage", loadAverage());
    }

    /**
     * The 1, 5 and 15 minute load averages: on a shared machine, other work competes with the
     * systems under test, and the figures mean little when this is well above the CPU count.
     */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | SecurityException | ArrayIndexOutOfBoundsException e) {
            return "unknown";
        }
    }

    /** e.g. {@code 2 CPUs (Intel Xeon ...), 23 GB RAM, Linux 6.1, OpenJDK 17.0.15}. */
    public static String oneLine(JsonObject m) {
        return m.getInteger("cpus") + " CPUs (" + m.getString("cpuModel") + "), " + m.getString("memTotal") + " RAM, "
                + m.getString("os") + ", " + m.getString("java");
    }

    private static String firstValue(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (String line : lines) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                    return line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | SecurityException e) {
            return "unknown";
        }
        return "unknown";
    }
}
