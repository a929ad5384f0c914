package io.raftkv.bench.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * PNG bar charts of a {@link ComparisonTable}: throughput per scenario and p99 latency per
 * scenario, one bar per system. Rendered headless with XChart. A figure a system lacks is drawn as
 * zero (the table says "—").
 */
public final class ComparisonChart {
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 560;

    private ComparisonChart() {
    }

    /** Writes {@code throughput.png} and {@code latency-p99.png} into {@code dir}; returns their paths. */
    public static List<Path> write(ComparisonTable table, Path dir, String subtitle) {
        System.setProperty("java.awt.headless", "true");
        List<ComparisonTable.Row> rows = table.rows();
        List<String> titles = new ArrayList<>();
        List<Double> bThr = new ArrayList<>();
        List<Double> cThr = new ArrayList<>();
        List<Double> bP99 = new ArrayList<>();
        List<Double> cP99 = new ArrayList<>();
        for (ComparisonTable.Row r : rows) {
            titles.add(r.title());
            bThr.add(r.baseline() == null ? 0 : r.baseline().throughput());
            cThr.add(r.candidate() == null ? 0 : r.candidate().throughput());
            bP99.add(r.baseline() == null ? 0 : r.baseline().latency().p99Ms());
            cP99.add(r.candidate() == null ? 0 : r.candidate().latency().p99Ms());
        }
        try {
            Files.createDirectories(dir);
            Path thr = dir.resolve("throughput.png");
            Path p99 = dir.resolve("latency-p99.png");
            save(chart("Throughput (higher is better) — " + subtitle, "operations / s", titles,
                    table.baselineName(), bThr, table.candidateName(), cThr), thr);
            save(chart("p99 latency (lower is better) — " + subtitle, "milliseconds", titles,
                    table.baselineName(), bP99, table.candidateName(), cP99), p99);
            return List.of(thr, p99);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write charts to " + dir, e);
        }
    }

    private static CategoryChart chart(String title, String yTitle, List<String> x, String bName, List<Double> b,
                                       String cName, List<Double> c) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("scenario").yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisLabelRotation(15);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setDecimalPattern("#,##0.#");
        chart.addSeries(bName, x, b);
        chart.addSeries(cName, x, c);
        return chart;
    }

    private static void save(CategoryChart chart, Path file) throws IOException {
        String base = file.toString().substring(0, file.toString().length() - ".png".length());
        BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
    }
}
