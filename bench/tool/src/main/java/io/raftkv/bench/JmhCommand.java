package io.raftkv.bench;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code raftkv-bench jmh [JMH options]}: runs the JMH microbenchmarks in this jar
 * ({@code io.raftkv.bench.jmh}); every argument goes to JMH, e.g. {@code -rf json -rff out.json}.
 */
@Command(name = "jmh", description = "Run the JMH microbenchmarks (arguments go to JMH; -h for its help).")
final class JmhCommand implements Callable<Integer> {
    /** Everything after {@code jmh}, options included, in order: picocli recognizes none of it. */
    @Unmatched
    List<String> args = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        org.openjdk.jmh.Main.main(args.toArray(String[]::new));
        return 0;
    }
}
