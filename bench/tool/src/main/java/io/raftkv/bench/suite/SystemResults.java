package io.raftkv.bench.suite;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything one system produced in one suite run: which system, through which client, on which
 * machine and when, and one {@link ScenarioResult} per scenario. Stored as
 * {@code results-<system>.json}; the comparison report is rendered from these files.
 */
public record SystemResults(
        String system,
        String server,
        String target,
        String startedAt,
        JsonObject machine,
        long seed,
        List<ScenarioResult> results) {
    public SystemResults {
        results = List.copyOf(results);
    }

    /**
     * Merges one system's rounds ({@link ScenarioResult#merge}): scenarios in the first round's
     * order, the first round's start time and machine (with the load average of every round).
     */
    public static SystemResults merge(List<SystemResults> rounds) {
        if (rounds.size() == 1) {
            return rounds.get(0);
        }
        SystemResults first = rounds.get(0);
        List<ScenarioResult> merged = new ArrayList<>();
        for (ScenarioResult r : first.results()) {
            List<ScenarioResult> same = new ArrayList<>();
            rounds.forEach(sr -> sr.result(r.scenario()).ifPresent(same::add));
            merged.add(ScenarioResult.merge(same));
        }
        JsonObject machine = first.machine().copy();
        machine.put(
                "loadAverage",
                String.join(
                        " / ",
                        rounds.stream()
                                .map(sr -> sr.machine().getString("loadAverage", "unknown"))
                                .toList()));
        return new SystemResults(
                first.system(), first.server(), first.target(), first.startedAt(), machine, first.seed(), merged);
    }

    public Optional<ScenarioResult> result(String scenario) {
        return results.stream().filter(r -> r.scenario().equals(scenario)).findFirst();
    }

    public JsonObject toJson() {
        JsonArray rs = new JsonArray();
        results.forEach(r -> rs.add(r.toJson()));
        return new JsonObject()
                .put("system", system)
                .put("server", server)
                .put("target", target)
                .put("startedAt", startedAt)
                .put("machine", machine)
                .put("seed", seed)
                .put("results", rs);
    }

    public static SystemResults fromJson(JsonObject o) {
        List<ScenarioResult> rs = new ArrayList<>();
        o.getJsonArray("results").forEach(r -> rs.add(ScenarioResult.fromJson((JsonObject) r)));
        return new SystemResults(
                o.getString("system"),
                o.getString("server", "unknown"),
                o.getString("target"),
                o.getString("startedAt"),
                o.getJsonObject("machine"),
                o.getLong("seed"),
                rs);
    }

    public static Path file(Path dir, String system) {
        return dir.resolve("results-" + system + ".json");
    }

    public void write(Path dir) {
        write(dir, system);
    }

    /** Writes {@code results-<name>.json} (a round's file: {@code <system>-round<N>}). */
    public void write(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            Files.writeString(file(dir, name), toJson().encodePrettily() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + dir, e);
        }
    }

    public static Optional<SystemResults> read(Path dir, String system) {
        Path f = file(dir, system);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(fromJson(new JsonObject(Files.readString(f))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(f + " is not a results file: " + e.getMessage(), e);
        }
    }
}
