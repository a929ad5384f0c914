package io.raftkv.bench.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads two steadiness figures from every member's Prometheus endpoint, so that each scenario can
 * say how steady the system was while it ran: leader changes (a counter, e.g. etcd's
 * {@code etcd_server_leader_changes_seen_total}) and the slowest persist (a latency histogram, e.g.
 * etcd's {@code etcd_disk_wal_fsync_duration_seconds}). A scenario scrapes when its measured window
 * opens and when it closes; the figures are the differences.
 *
 * <p>The slowest persist is read from histogram buckets, so it is an upper bound: the smallest
 * bucket bound that every persist in the window fitted under (Prometheus histograms keep no maximum).
 */
public final class ClusterMetrics {
    /** How long one member's scrape may take: on a machine with a load average of 30, 2 s was not always enough. */
    static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(5);

    private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

    /**
     * The metric names of one system.
     *
     * @param leaderChanges    a counter of leader changes seen by a member
     * @param persistHistogram the base name of a histogram, in seconds, of the time a member's Raft
     *                         writes took to become durable
     */
    public record Names(String leaderChanges, String persistHistogram) {}

    /** One member's readings; {@code persistBuckets} maps each bucket bound (seconds, +Inf included) to its cumulative count. */
    public record Member(double leaderChanges, TreeMap<Double, Double> persistBuckets) {}

    /** Every member's readings at one moment; a member that could not be read is null. */
    public record Snapshot(List<Member> members) {}

    /** What changed between two snapshots: null where a figure could not be read on some member. */
    public record Window(Long leaderChanges, Double slowestPersistMs) {
        public static final Window UNKNOWN = new Window(null, null);
    }

    private final List<URI> urls;
    private final Names names;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(SCRAPE_TIMEOUT).build();

    public ClusterMetrics(List<String> metricsUrls, Names names) {
        this.urls = metricsUrls.stream().map(URI::create).toList();
        this.names = names;
    }

    /** Scrapes every member (a member that does not answer within {@link #SCRAPE_TIMEOUT} is null in the snapshot). */
    public Snapshot scrape() {
        List<Member> out = new ArrayList<>();
        for (URI url : urls) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(url)
                                .timeout(SCRAPE_TIMEOUT)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                out.add(r.statusCode() == 200 ? parse(r.body(), names) : null);
            } catch (IOException e) {
                out.add(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.add(null);
            }
        }
        return new Snapshot(out);
    }

    /** Parses one member's Prometheus text exposition; missing metrics read as 0 and no buckets. */
    static Member parse(String text, Names names) {
        double leaderChanges = 0;
        TreeMap<Double, Double> buckets = new TreeMap<>();
        String bucketPrefix = names.persistHistogram() + "_bucket{";
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            if (line.startsWith(bucketPrefix)) {
                Matcher m = LE.matcher(line);
                if (m.find()) {
                    double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
                    buckets.merge(le, value(line), Double::sum);
                }
            } else if (line.startsWith(names.leaderChanges() + " ") || line.startsWith(names.leaderChanges() + "{")) {
                leaderChanges += value(line);
            }
        }
        return new Member(leaderChanges, buckets);
    }

    /** The sample value: the first field after the name and its labels (a timestamp may follow). */
    private static double value(String line) {
        int brace = line.lastIndexOf('}');
        String rest = brace >= 0 ? line.substring(brace + 1) : line.substring(line.indexOf(' '));
        return Double.parseDouble(rest.trim().split("\\s+")[0]);
    }

    /**
     * Leader changes: the most any member saw in the window (every member counts the same change);
     * slowest persist: the largest, over members, of the smallest bucket bound that held every persist
     * of the window ({@code Infinity} when some persist exceeded the largest finite bound; 0 when no
     * persist happened).
     */
    public static Window between(Snapshot open, Snapshot close) {
        if (open == null
                || close == null
                || open.members().size() != close.members().size()) {
            return Window.UNKNOWN;
        }
        Long changes = 0L;
        Double slowest = 0.0;
        for (int i = 0; i < open.members().size(); i++) {
            Member a = open.members().get(i);
            Member b = close.members().get(i);
            if (a == null || b == null) {
                return Window.UNKNOWN;
            }
            changes = Math.max(changes, Math.round(b.leaderChanges() - a.leaderChanges()));
            Double s = slowestMs(a.persistBuckets(), b.persistBuckets());
            slowest = s == null || slowest == null ? null : Math.max(slowest, s);
        }
        return new Window(changes, slowest);
    }

    private static Double slowestMs(TreeMap<Double, Double> a, TreeMap<Double, Double> b) {
        if (b.isEmpty()) {
            return null;
        }
        double total = b.lastEntry().getValue() - a.getOrDefault(b.lastKey(), 0.0);
        if (total <= 0) {
            return 0.0;
        }
        for (Map.Entry<Double, Double> e : b.entrySet()) {
            if (e.getValue() - a.getOrDefault(e.getKey(), 0.0) >= total) {
                return e.getKey() * 1_000;
            }
        }
        return Double.POSITIVE_INFINITY;
    }
}
