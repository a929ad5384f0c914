package io.raftkv.bench.report;

import io.raftkv.bench.suite.ScenarioResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * PNG bar charts of a {@link ComparisonTable}: throughput per scenario and p99 latency per
 * scenario, one bar per system. Rendered headless with XChart. A figure a system lacks is drawn as
 * zero (the table says "—").
 */
public final class ComparisonChart {
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 560;

    private ComparisonChart() {}

    /**
     * Writes {@code throughput.png} and {@code latency-p99.png} into {@code dir}; returns their paths.
     * Bars are medians over the rounds; the error bars reach the farther of the lowest and highest
     * round (XChart draws them symmetrically), so a bar without one ran once or did not vary.
     */
    public static List<Path> write(ComparisonTable table, Path dir, String subtitle) {
        System.setProperty("java.awt.headless", "true");
        List<ComparisonTable.Row> rows = table.rows();
        List<String> titles = new ArrayList<>();
        Series bThr = new Series();
        Series cThr = new Series();
        Series bP99 = new Series();
        Series cP99 = new Series();
        for (ComparisonTable.Row r : rows) {
            titles.add(r.title());
            bThr.add(r.baselineResult(), true);
            cThr.add(r.candidateResult(), true);
            bP99.add(r.baselineResult(), false);
            cP99.add(r.candidateResult(), false);
        }
        try {
            Files.createDirectories(dir);
            Path thr = dir.resolve("throughput.png");
            Path p99 = dir.resolve("latency-p99.png");
            save(
                    chart(
                            "Throughput, median of rounds (higher is better) — " + subtitle,
                            "operations / s",
                            titles,
                            table.baselineName(),
                            bThr,
                            table.candidateName(),
                            cThr),
                    thr);
            save(
                    chart(
                            "p99 latency, median of rounds (lower is better) — " + subtitle,
                            "milliseconds",
                            titles,
                            table.baselineName(),
                            bP99,
                            table.candidateName(),
                            cP99),
                    p99);
            return List.of(thr, p99);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write charts to " + dir, e);
        }
    }

    /** One system's bars: medians, and how far the farthest round lies from each. */
    private static final class Series {
        final List<Double> values = new ArrayList<>();
        final List<Double> errors = new ArrayList<>();

        void add(ScenarioResult r, boolean throughput) {
            if (r == null) {
                values.add(0.0);
                errors.add(0.0);
                return;
            }
            double median = throughput ? r.throughput() : r.p99Ms();
            double[] range = throughput ? r.throughputRange() : r.p99Range();
            values.add(median);
            errors.add(Math.max(median - range[0], range[1] - median));
        }
    }

    private static CategoryChart chart(
            String title, String yTitle, List<String> x, String bName, Series b, String cName, Series c) {
        CategoryChart chart = new CategoryChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .xAxisTitle("scenario")
                .yAxisTitle(yTitle)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisLabelRotation(15);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setDecimalPattern("#,##0.#");
        chart.getStyler().setErrorBarsColor(java.awt.Color.DARK_GRAY);
        chart.addSeries(bName, x, b.values, b.errors);
        chart.addSeries(cName, x, c.values, c.errors);
        return chart;
    }

    private static void save(CategoryChart chart, Path file) throws IOException {
        String base = file.toString().substring(0, file.toString().length() - ".png".length());
        BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
    }
}
