package io.raftkv.cli;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.ClientCredentials;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code raftkvctl}: the command line for a RaftKV cluster. Global options are inherited by every
 * subcommand, so they may appear before or after it. One client is created per invocation, on first
 * use, and closed when the command ends.
 */
@Command(
        name = "raftkvctl",
        mixinStandardHelpOptions = true,
        versionProvider = RaftKvCtl.Version.class,
        description = "Talks to a RaftKV cluster over gRPC.",
        subcommands = {
            PutCommand.class,
            GetCommand.class,
            DeleteCommand.class,
            ScanCommand.class,
            StatusCommand.class,
            MembersCommand.class,
            TransferLeaderCommand.class,
            SnapshotCommand.class,
            AlarmCommand.class,
            TxnCommand.class,
            LeaseCommand.class,
            LockCommand.class,
            ElectCommand.class,
            WatchCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:unexpected error",
            "2:invalid command line",
            "3:key or member not found",
            "4:server rejected the input (INVALID_ARGUMENT)",
            "5:cluster unavailable (no node, leader or quorum)",
            "6:deadline exceeded (a write may have been applied)",
            "7:refused in the current state (FAILED_PRECONDITION)",
            "8:overloaded (RESOURCE_EXHAUSTED)",
            "9:write interrupted, outcome unknown",
            "10:integrity check failed",
            "11:not authenticated or not permitted",
            "12:NOSPACE alarm active, write not applied"
        })
public final class RaftKvCtl implements Runnable {
    static final String ENDPOINTS_ENV = "RAFTKV_ENDPOINTS";
    static final String DEFAULT_ENDPOINTS = "127.0.0.1:9090";
    /** Prefix of the credential variables, as etcdctl's ETCDCTL_CACERT...: RAFTKV_CACERT, _CERT, _KEY, _TOKEN. */
    static final String CREDENTIALS_ENV = "RAFTKV_";

    @Option(
            names = "--endpoints",
            scope = ScopeType.INHERIT,
            paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Client endpoints of the cluster (default: env " + ENDPOINTS_ENV + ", else "
                    + DEFAULT_ENDPOINTS + ").")
    String endpoints;

    @Option(
            names = "--cacert",
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "CA bundle (PEM) that signed the nodes' certificates: speak TLS (default: env "
                    + CREDENTIALS_ENV + "CACERT; none: plaintext).")
    String cacert;

    @Option(
            names = "--cert",
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "Client certificate (PEM) to authenticate with; its CN is the user (env " + CREDENTIALS_ENV
                    + "CERT).")
    String cert;

    @Option(
            names = "--key",
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "Private key (PEM) of --cert (env " + CREDENTIALS_ENV + "KEY).")
    String key;

    @Option(
            names = "--token",
            scope = ScopeType.INHERIT,
            paramLabel = "TOKEN",
            description = "Bearer token to authenticate with (env " + CREDENTIALS_ENV + "TOKEN; prefer the"
                    + " environment: a flag shows in the process list).")
    String token;

    @Option(
            names = "--timeout",
            scope = ScopeType.INHERIT,
            paramLabel = "DURATION",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "Deadline of each call, e.g. 500ms, 5s, 1m (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
            names = {"-o", "--output"},
            scope = ScopeType.INHERIT,
            paramLabel = "FORMAT",
            defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Output.Format format;

    private final Map<String, String> env;
    private PrintWriter out;
    private PrintWriter err;
    private RaftKvClient client;

    /** The environment the command runs in (System.getenv() in production, a map in tests). */
    Map<String, String> env() {
        return env;
    }

    RaftKvCtl(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true), System.getenv()));
    }

    /** Runs one invocation; returns the exit code. Used by {@link #main} and by tests. */
    static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        RaftKvCtl root = new RaftKvCtl(env);
        root.out = out;
        root.err = err;
        CommandLine cmd = new CommandLine(root)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(out)
                .setErr(err)
                .setExecutionExceptionHandler((e, line, parsed) -> handle(e, line.getErr(), root));
        // `lock NAME COMMAND...`: everything after NAME is the command, its own options included.
        cmd.getSubcommands().get("lock").setStopAtPositional(true);
        try {
            return cmd.execute(args);
        } finally {
            root.closeClient(err);
        }
    }

    private static int handle(Exception e, PrintWriter err, RaftKvCtl root) {
        if (e instanceof RaftKvException k) {
            ExitCode code = ExitCode.of(k);
            err.println("raftkvctl: " + k.status().name()
                    + k.reason().map(r -> "/" + r).orElse("") + ": " + k.getMessage());
            if (code == ExitCode.UNAVAILABLE) {
                err.println("raftkvctl: endpoints tried: " + root.endpointList() + " (set --endpoints or "
                        + ENDPOINTS_ENV + ")");
                ClientCredentials credentials = root.credentials();
                if (credentials == null) {
                    err.println("raftkvctl: if the cluster runs with --tls on, give --cacert (or " + CREDENTIALS_ENV
                            + "CACERT)");
                } else {
                    tlsFailure(k)
                            .ifPresent(cause -> err.println("raftkvctl: TLS handshake failed (" + cause
                                    + "): check that " + credentials.caFile() + " (--cacert or " + CREDENTIALS_ENV
                                    + "CACERT) holds the CA that signed the nodes' certificates (and that --cert/--key, if"
                                    + " given, are valid)"));
                }
            }
            if (code == ExitCode.TIMEOUT || code == ExitCode.OUTCOME_UNKNOWN) {
                err.println("raftkvctl: a write may or may not have been applied; read the key to find out");
            }
            err.flush();
            return code.code();
        }
        if (e instanceof java.util.concurrent.TimeoutException) {
            err.println("raftkvctl: timed out: " + e.getMessage());
            err.flush();
            return ExitCode.TIMEOUT.code();
        }
        if (e instanceof io.raftkv.api.recipes.LeaseLostException) {
            err.println("raftkvctl: " + e.getMessage());
            err.flush();
            return ExitCode.REJECTED.code();
        }
        if (e instanceof IllegalArgumentException) {
            err.println("raftkvctl: " + e.getMessage());
            err.flush();
            return ExitCode.USAGE.code();
        }
        err.println("raftkvctl: unexpected error: " + e);
        err.flush();
        return ExitCode.INTERNAL.code();
    }

    /** The innermost TLS exception in {@code e}'s causes, described; empty if the failure was not TLS. */
    private static java.util.Optional<String> tlsFailure(Throwable e) {
        String found = null;
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException
                    || t.getClass().getName().startsWith("java.security.cert.")
                    || t.getClass().getName().startsWith("sun.security.")) {
                found = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            }
        }
        return java.util.Optional.ofNullable(found);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see --help)");
    }

    /** The endpoints in effect: the flag, else the environment, else the default. */
    List<Endpoint> endpointList() {
        String text = endpoints != null ? endpoints : env.getOrDefault(ENDPOINTS_ENV, DEFAULT_ENDPOINTS);
        return Endpoint.parseList(text);
    }

    /** TLS and credentials from the flags, each falling back to its environment variable; null: plaintext. */
    ClientCredentials credentials() {
        return ClientCredentials.fromSettings(
                cacert != null ? cacert : env.get(CREDENTIALS_ENV + "CACERT"),
                cert != null ? cert : env.get(CREDENTIALS_ENV + "CERT"),
                key != null ? key : env.get(CREDENTIALS_ENV + "KEY"),
                token != null ? token : env.get(CREDENTIALS_ENV + "TOKEN"));
    }

    /** The shared client, created on first use. */
    RaftKvClient client() {
        if (client == null) {
            client = RaftKvClient.builder()
                    .endpoints(endpointList())
                    .credentials(credentials())
                    .deadline(timeout)
                    .attemptTimeout(timeout.compareTo(Duration.ofSeconds(2)) < 0 ? timeout : Duration.ofSeconds(2))
                    .build();
        }
        return client;
    }

    Output output() {
        return new Output(out, format);
    }

    PrintWriter err() {
        return err;
    }

    Duration timeout() {
        return timeout;
    }

    private void closeClient(PrintWriter err) {
        if (client != null) {
            try {
                client.close();
            } catch (RuntimeException e) {
                err.println("raftkvctl: warning: closing connections failed: " + e.getMessage());
            }
        }
    }

    /** Prints the implementation version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = RaftKvCtl.class.getPackage().getImplementationVersion();
            return new String[] {"raftkvctl " + (v == null ? "(development build)" : v)};
        }
    }

    /** Parses {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}; positive values only. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h)").matcher(v);
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a duration; use a number with ms, s, m or h (e.g. 500ms, 5s)");
            }
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
            if (d.isZero()) {
                throw new CommandLine.TypeConversionException("duration must be positive, got '" + value + "'");
            }
            return d;
        }
    }
}
