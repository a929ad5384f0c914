package io.raftkv.node.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4: every line must be a HELP, a
 * TYPE, a comment, blank, or a sample whose metric name, labels and value are well formed; every
 * sample must belong to a family whose TYPE came first; no series may repeat; histogram families
 * may only hold {@code _bucket} (with {@code le}), {@code _sum} and {@code _count} series. Throws
 * {@link IllegalArgumentException} naming the line on the first violation.
 */
public final class PrometheusTextParser {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL =
            Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");
    private static final Pattern VALUE = Pattern.compile("[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN)");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    public record Sample(String name, Map<String, String> labels, double value) {}

    public record Exposition(Map<String, String> types, Map<String, String> help, List<Sample> samples) {
        public List<Sample> samples(String name) {
            return samples.stream().filter(s -> s.name().equals(name)).toList();
        }

        public double value(String name, Map<String, String> labels) {
            return samples.stream()
                    .filter(s -> s.name().equals(name) && s.labels().equals(labels))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no sample " + name + labels))
                    .value();
        }
    }

    private PrometheusTextParser() {}

    public static Exposition parse(String text) {
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> help = new HashMap<>();
        List<Sample> samples = new ArrayList<>();
        Set<String> series = new HashSet<>();
        String[] lines = text.split("\n", -1);
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("exposition must end with a newline");
        }
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + ": " + line;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ", 2);
                requireName(parts[0], where);
                if (line.startsWith("# TYPE ")) {
                    if (parts.length != 2 || !TYPES.contains(parts[1])) {
                        throw new IllegalArgumentException("bad TYPE, " + where);
                    }
                    if (types.put(parts[0], parts[1]) != null) {
                        throw new IllegalArgumentException("second TYPE for a family, " + where);
                    }
                } else if (help.put(parts[0], parts.length == 2 ? parts[1] : "") != null) {
                    throw new IllegalArgumentException("second HELP for a family, " + where);
                }
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            Sample s = sample(line, where);
            String family = familyOf(s.name(), types);
            if (family == null) {
                throw new IllegalArgumentException("sample before its family's TYPE, " + where);
            }
            if (types.get(family).equals("histogram")) {
                boolean bucket = s.name().equals(family + "_bucket");
                if (!bucket && !s.name().equals(family + "_sum") && !s.name().equals(family + "_count")) {
                    throw new IllegalArgumentException("histogram series must be _bucket, _sum or _count, " + where);
                }
                if (bucket != s.labels().containsKey("le")) {
                    throw new IllegalArgumentException("le label on exactly the _bucket series, " + where);
                }
            }
            if (!series.add(s.name() + s.labels())) {
                throw new IllegalArgumentException("duplicate series, " + where);
            }
            samples.add(s);
        }
        return new Exposition(types, help, samples);
    }

    private static String familyOf(String name, Map<String, String> types) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : List.of("_bucket", "_sum", "_count", "_total", "_created")) {
            if (name.endsWith(suffix) && types.containsKey(name.substring(0, name.length() - suffix.length()))) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return null;
    }

    private static Sample sample(String line, String where) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        String rest;
        if (brace >= 0 && (space < 0 || brace < space)) {
            name = line.substring(0, brace);
            int close = line.indexOf("} ", brace);
            if (close < 0) {
                throw new IllegalArgumentException("unterminated labels, " + where);
            }
            String body = line.substring(brace + 1, close);
            Matcher m = LABEL.matcher(body);
            int pos = 0;
            while (pos < body.length()) {
                if (!m.find(pos) || m.start() != pos) {
                    throw new IllegalArgumentException("bad label at offset " + pos + ", " + where);
                }
                if (labels.put(m.group(1), m.group(2)) != null) {
                    throw new IllegalArgumentException("repeated label " + m.group(1) + ", " + where);
                }
                pos = m.end();
                if (pos < body.length()) {
                    if (body.charAt(pos) != ',') {
                        throw new IllegalArgumentException("labels must be separated by commas, " + where);
                    }
                    pos++;
                }
            }
            rest = line.substring(close + 2);
        } else {
            if (space < 0) {
                throw new IllegalArgumentException("sample without value, " + where);
            }
            name = line.substring(0, space);
            rest = line.substring(space + 1);
        }
        requireName(name, where);
        String[] parts = rest.split(" ");
        if (parts.length < 1 || parts.length > 2 || !VALUE.matcher(parts[0]).matches()) {
            throw new IllegalArgumentException("bad value, " + where);
        }
        if (parts.length == 2 && !parts[1].matches("-?[0-9]+")) {
            throw new IllegalArgumentException("bad timestamp, " + where);
        }
        double value = switch (parts[0]) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(parts[0]);
        };
        return new Sample(name, Map.copyOf(labels), value);
    }

    private static void requireName(String name, String where) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad metric name '" + name + "', " + where);
        }
    }
}
