package io.raftkv.e2e.observability;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Renders dashboard panels as Grafana would show them over a run: each panel's queries asked of
 * Prometheus with {@code query_range}, one chart per panel (x: seconds since the run's start, a
 * dashed line where the leader was killed), charts tiled two per row into one PNG.
 */
public final class PanelPicture {

    /** A panel to draw: its title, unit (for the axis title) and queries with legend labels. */
    public record Panel(String title, String unit, List<Query> queries) {}

    /** One query and its Grafana legend format ({@code {{label}}} replaced by the series' label values). */
    public record Query(String expr, String legendFormat) {}

    private static final int W = 640;
    private static final int H = 300;

    private PanelPicture() {}

    /** Queries every panel over [start, end] and writes the tiled PNG to {@code file}. */
    public static void render(
            PrometheusProcess prometheus,
            List<Panel> panels,
            Instant start,
            Instant end,
            Instant killedAt,
            String caption,
            Path file)
            throws IOException {
        List<BufferedImage> images = new ArrayList<>();
        double kill = Duration.between(start, killedAt).toMillis() / 1000.0;
        for (Panel panel : panels) {
            XYChart chart = new XYChartBuilder()
                    .width(W)
                    .height(H)
                    .title(panel.title())
                    .xAxisTitle("seconds (leader SIGKILLed at " + Math.round(kill) + " s)")
                    .yAxisTitle(panel.unit())
                    .build();
            chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            chart.getStyler().setMarkerSize(0);
            double yMax = 0;
            for (Query q : panel.queries()) {
                for (JsonNode series : prometheus.queryRange(q.expr(), start, end, Duration.ofSeconds(1))) {
                    List<Double> xs = new ArrayList<>();
                    List<Double> ys = new ArrayList<>();
                    for (JsonNode point : series.path("values")) {
                        double v = Double.parseDouble(point.get(1).asText());
                        if (!Double.isNaN(v) && !Double.isInfinite(v)) {
                            xs.add(point.get(0).asDouble() - start.getEpochSecond());
                            ys.add(v);
                            yMax = Math.max(yMax, v);
                        }
                    }
                    if (xs.isEmpty()) {
                        continue;
                    }
                    String name = legend(q.legendFormat(), series.path("metric"));
                    XYSeries s = chart.addSeries(uniqueName(chart, name.isBlank() ? q.expr() : name), xs, ys);
                    s.setMarker(SeriesMarkers.NONE);
                }
            }
            XYSeries line =
                    chart.addSeries("leader killed", new double[] {kill, kill}, new double[] {0, yMax == 0 ? 1 : yMax});
            line.setMarker(SeriesMarkers.NONE);
            line.setLineColor(Color.RED);
            line.setLineStyle(new java.awt.BasicStroke(
                    1.5f,
                    java.awt.BasicStroke.CAP_BUTT,
                    java.awt.BasicStroke.JOIN_MITER,
                    10f,
                    new float[] {6f, 4f},
                    0f));
            images.add(BitmapEncoder.getBufferedImage(chart));
        }
        int rows = (images.size() + 1) / 2;
        int captionHeight = 44;
        BufferedImage all = new BufferedImage(2 * W, rows * H + captionHeight, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, all.getWidth(), all.getHeight());
        g.setColor(Color.BLACK);
        String[] lines = caption.split("\n");
        for (int i = 0; i < lines.length; i++) {
            g.drawString(lines[i], 10, 16 + 18 * i);
        }
        for (int i = 0; i < images.size(); i++) {
            g.drawImage(images.get(i), (i % 2) * W, captionHeight + (i / 2) * H, null);
        }
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(all, "png", file.toFile());
        System.out.println("observability: wrote " + file.toAbsolutePath());
    }

    /** Grafana's legend: {@code {{label}}} replaced by the series' value of that label. */
    static String legend(String format, JsonNode labels) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}").matcher(format);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(
                    out,
                    java.util.regex.Matcher.quoteReplacement(
                            labels.path(m.group(1)).asText()));
        }
        m.appendTail(out);
        return "__auto".equals(format) ? "" : out.toString();
    }

    private static String uniqueName(XYChart chart, String name) {
        String n = name;
        for (int i = 2; chart.getSeriesMap().containsKey(n); i++) {
            n = name + " (" + i + ")";
        }
        return n;
    }
}
