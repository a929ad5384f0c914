package io.raftkv.chaos.run;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs chaos runs one after the other (the machine is small, and concurrent clusters would
 * distort each other's timing), prints each result as it finishes, and keeps the summary table in
 * {@code <dir>/summary.txt}, rewritten after every run so a long campaign shows its progress.
 */
public final class ChaosCampaign {
    private final Path dir;
    private final PrintStream out;
    private final List<RunResult> results = new ArrayList<>();

    /**
     * @param dir where the runs' directories and {@code summary.txt} go (created)
     * @param out where progress and the table are printed
     */
    public ChaosCampaign(Path dir, PrintStream out) {
        this.dir = dir;
        this.out = out;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    public RunResult run(RunSpec spec) {
        out.printf(
                "chaos run %d: %s on %d nodes, seed %s, dir %s%n",
                results.size() + 1, spec.faultName(), spec.nodes(), Long.toUnsignedString(spec.seed()), spec.dir());
        out.flush();
        RunResult r = ChaosRun.execute(spec);
        results.add(r);
        out.printf(
                "  -> %s (%d ops, %s)%n",
                r.passed() ? "PASS" : "FAIL " + r.problems(),
                r.ops(),
                r.verdict() == null ? "not checked" : r.verdict());
        if (!r.passed() && r.report() != null && !r.report().violations().isEmpty()) {
            out.print(r.report().render());
        }
        out.flush();
        writeSummary();
        return r;
    }

    public List<RunResult> results() {
        return List.copyOf(results);
    }

    public boolean allPassed() {
        return results.stream().allMatch(RunResult::passed);
    }

    /** The table of every run so far. */
    public String summary() {
        return SummaryTable.render(results) + "histories, events, reports and node logs: " + dir + "\n";
    }

    private void writeSummary() {
        try {
            Files.writeString(dir.resolve("summary.txt"), summary(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve("summary.txt"), e);
        }
    }
}
