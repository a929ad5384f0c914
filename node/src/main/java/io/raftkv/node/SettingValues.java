package io.raftkv.node;

import io.raftkv.node.net.HostPort;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The one mechanism behind every group of node settings ({@link MemberFlags}, {@link RaftFlags},
 * {@link ServerFlags}, {@link SecurityFlags}, {@link DataFlags}): resolves each {@link Setting} from
 * (highest precedence first) flags, environment, the {@code --config} properties file, a deriver and
 * its default, remembers where each value came from, and parses values with errors that name the
 * flag and that source.
 */
final class SettingValues {
    private final List<Setting> settings;
    private final Map<String, String> values;
    private final Map<String, String> sources;

    private SettingValues(List<Setting> settings, Map<String, String> values, Map<String, String> sources) {
        this.settings = settings;
        this.values = values;
        this.sources = sources;
    }

    /**
     * Resolves every one of {@code settings} from {@code args}, {@code env}, the optional config
     * file and defaults; then every setting still at its default is replaced by the value
     * {@code deriver} returns for it, if any (source "derived").
     */
    static SettingValues resolve(
            List<Setting> settings,
            String[] args,
            Map<String, String> env,
            Function<NodeConfig.Draft, Map<String, String>> deriver) {
        Map<String, String> flags = parseFlags(settings, args);
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        String configFile = flags.getOrDefault(
                "config", env.getOrDefault(setting(settings, "config").envVar(), ""));
        Properties file = configFile.isEmpty() ? new Properties() : readProperties(Path.of(configFile));
        for (String key : file.stringPropertyNames()) {
            setting(settings, key.trim()); // rejects unknown keys
        }
        for (Setting s : settings) {
            if (flags.containsKey(s.name())) {
                values.put(s.name(), flags.get(s.name()));
                sources.put(s.name(), "flag --" + s.name());
            } else if (env.containsKey(s.envVar())) {
                values.put(s.name(), env.get(s.envVar()));
                sources.put(s.name(), "environment " + s.envVar());
            } else if (file.containsKey(s.name())) {
                values.put(s.name(), file.getProperty(s.name()).trim());
                sources.put(s.name(), "config file " + configFile);
            } else {
                values.put(s.name(), s.defaultValue());
                sources.put(s.name(), "default");
            }
        }
        NodeConfig.Draft draft = new NodeConfig.Draft() {
            @Override
            public String value(String name) {
                return values.get(setting(settings, name).name());
            }

            @Override
            public boolean explicit(String name) {
                return !"default".equals(sources.get(setting(settings, name).name()));
            }
        };
        Map<String, String> derived = deriver.apply(draft);
        derived.forEach((name, value) -> {
            if (!draft.explicit(name)) {
                values.put(name, value);
                sources.put(name, "derived");
            }
        });
        return new SettingValues(settings, values, sources);
    }

    /** The resolved text of setting {@code name}. */
    String text(String name) {
        return values.get(name);
    }

    /** Where the value of {@code name} came from ("flag --x", "environment X", "default"...). */
    String source(String name) {
        return sources.get(name);
    }

    /** Every resolved setting with its source when not a default, for the start-up log line. */
    String describe() {
        StringBuilder b = new StringBuilder();
        for (Setting s : settings) {
            b.append(s.name()).append('=').append(values.get(s.name()));
            if (!"default".equals(sources.get(s.name()))) {
                b.append(" (").append(sources.get(s.name())).append(')');
            }
            b.append("; ");
        }
        return b.toString();
    }

    long positiveLong(String name) {
        long v = parseLong(name);
        if (v <= 0) {
            throw new IllegalArgumentException("--" + name + " must be > 0, got " + v + " (" + sources.get(name) + ")");
        }
        return v;
    }

    long nonNegativeLong(String name) {
        long v = parseLong(name);
        if (v < 0) {
            throw new IllegalArgumentException("--" + name + " must be ≥ 0, got " + v + " (" + sources.get(name) + ")");
        }
        return v;
    }

    /** As {@link #positiveLong}, capped at {@code Integer.MAX_VALUE}. */
    int positiveIntCapped(String name) {
        return (int) Math.min(Integer.MAX_VALUE, positiveLong(name));
    }

    /** As {@link #nonNegativeLong}, capped at {@code Integer.MAX_VALUE}. */
    int nonNegativeIntCapped(String name) {
        return (int) Math.min(Integer.MAX_VALUE, nonNegativeLong(name));
    }

    private long parseLong(String name) {
        String text = values.get(name);
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "--" + name + " must be an integer, got '" + text + "' (" + sources.get(name) + ")");
        }
    }

    HostPort address(String name) {
        try {
            return HostPort.parse(values.get(name));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + name + ": " + e.getMessage() + " (" + sources.get(name) + ")");
        }
    }

    /** A comma-separated {@code id=host:port} list, sorted by id. */
    Map<Long, String> idMap(String name) {
        String text = values.get(name);
        Map<Long, String> out = new TreeMap<>();
        if (text.isBlank()) {
            return Collections.unmodifiableMap(out);
        }
        List<String> problems = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                problems.add("'" + p + "' is not id=host:port");
                continue;
            }
            try {
                long id = Long.parseLong(p.substring(0, eq).trim());
                if (id <= 0) {
                    problems.add("id " + id + " must be positive");
                    continue;
                }
                String addr = HostPort.parse(p.substring(eq + 1)).toString();
                if (out.put(id, addr) != null) {
                    problems.add("id " + id + " listed twice");
                }
            } catch (NumberFormatException e) {
                problems.add("'" + p.substring(0, eq) + "' is not a numeric id");
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "--" + name + " " + text + ": " + String.join("; ", problems) + " (" + sources.get(name) + ")");
        }
        return Collections.unmodifiableMap(out);
    }

    private static Map<String, String> parseFlags(List<Setting> settings, String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException(
                        "unexpected argument '" + a + "' (settings are --name value" + " or --name=value; see --help)");
            }
            String name;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                name = a.substring(2);
                if (name.equals("join") && (i + 1 >= args.length || args[i + 1].startsWith("--"))) {
                    value = "true";
                } else if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                } else {
                    value = args[++i];
                }
            }
            setting(settings, name);
            flags.put(name, value.trim());
        }
        return flags;
    }

    private static Setting setting(List<Setting> settings, String name) {
        for (Setting s : settings) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown setting '" + name + "' (see --help)");
    }

    private static Properties readProperties(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        return p;
    }
}
