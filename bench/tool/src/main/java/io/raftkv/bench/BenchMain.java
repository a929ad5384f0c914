package io.raftkv.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code raftkv-bench}: the benchmark tool. Subcommands: {@code run} (one workload, one system),
 * {@code compare} (etcd and RaftKV side by side), {@code failover} (leader SIGKILL under load),
 * {@code smoke} (CI), {@code warm-start} (a fresh cluster's first minute), {@code jmh} (microbenchmarks). See docs/benchmarks.md.
 */
@Command(
        name = "raftkv-bench",
        mixinStandardHelpOptions = true,
        version = "raftkv-bench 0.1.0",
        description = "Benchmarks RaftKV and etcd with the same workload code.",
        subcommands = {
            RunCommand.class,
            CompareCommand.class,
            FailoverCommand.class,
            SmokeCommand.class,
            WarmStartCommand.class,
            JmhCommand.class
        })
public final class BenchMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int code = new CommandLine(new BenchMain())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("error: " + e.getMessage());
                    if (e instanceof IllegalArgumentException) {
                        return 2;
                    }
                    e.printStackTrace(cmd.getErr());
                    return 1;
                })
                .execute(args);
        System.exit(code);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
