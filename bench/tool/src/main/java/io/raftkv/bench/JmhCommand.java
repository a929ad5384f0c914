package io.raftkv.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code raftkv-bench jmh [JMH options]}: runs the JMH microbenchmarks in this jar
 * ({@code io.raftkv.bench.jmh}); every argument goes to JMH, e.g. {@code -rf json -rff out.json}.
 */
@Command(name = "jmh", description = "Run the JMH microbenchmarks (arguments go to JMH; -h for its help).")
final class JmhCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", description = "JMH arguments")
    List<String> args = List.of();

    @Override
    public Integer call() throws Exception {
        org.openjdk.jmh.Main.main(args.toArray(String[]::new));
        return 0;
    }
}
