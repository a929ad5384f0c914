package io.raftkv.e2e.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The PromQL the shipped monitoring runs: every target of every panel of the Grafana dashboards
 * (with Grafana's variables replaced by what a user selecting "All" gets) and every alert
 * expression, plus the metric names they read.
 */
public final class DashboardQueries {

    /** One panel target: dashboard, panel title, and the query with variables substituted. */
    public record PanelQuery(String dashboard, String panel, String expr) {
        @Override
        public String toString() {
            return dashboard + " / " + panel + ": " + expr;
        }
    }

    private static final Set<String> PROMQL_WORDS = Set.of(
            "and",
            "or",
            "unless",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "offset",
            "le",
            "inf",
            "nan");
    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private DashboardQueries() {}

    /** Every panel target of the dashboards in {@code dir}, variables substituted. */
    public static List<PanelQuery> panels(Path dir) throws IOException {
        List<PanelQuery> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode board = new ObjectMapper().readTree(f.toFile());
                for (JsonNode panel : board.path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        out.add(new PanelQuery(
                                board.path("title").asText(),
                                panel.path("title").asText(),
                                substitute(target.path("expr").asText())));
                    }
                }
            }
        }
        return out;
    }

    /** Every alert expression of the Prometheus rule file {@code rules}. */
    public static List<String> alertExpressions(Path rules) throws IOException {
        List<String> out = new ArrayList<>();
        JsonNode doc = new YAMLMapper().readTree(rules.toFile());
        for (JsonNode group : doc.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                out.add(rule.path("expr").asText());
            }
        }
        return out;
    }

    /** Grafana's variables as "All" leaves them (the dashboards' allValue .+); {@code $__rate_interval} as 1 minute. */
    static String substitute(String expr) {
        return expr.replace("$__rate_interval", "1m")
                .replace("$namespace", ".+")
                .replace("$cluster", ".+")
                .replace("$pod", ".+");
    }

    /**
     * The metric names {@code expr} reads: identifiers that are neither functions (followed by
     * a parenthesis), keywords, label names (inside braces, or in by/on/without lists), nor parts
     * of strings or durations.
     */
    public static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"[^\"]*\"", "\"\"") // strings
                .replaceAll("\\{[^}]*}", " ") // label matchers
                .replaceAll("\\[[^]]*]", " ") // range durations
                .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENT.matcher(s);
        while (m.find()) {
            String word = m.group();
            int after = m.end();
            while (after < s.length() && Character.isWhitespace(s.charAt(after))) {
                after++;
            }
            boolean call = after < s.length() && s.charAt(after) == '(';
            boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
            if (!call && !number && !PROMQL_WORDS.contains(word.toLowerCase())) {
                names.add(word);
            }
        }
        return names;
    }
}
