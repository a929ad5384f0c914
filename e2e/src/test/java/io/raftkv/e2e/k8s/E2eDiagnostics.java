package io.raftkv.e2e.k8s;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Prints the harness's diagnostics (operator log, node logs, kubelet events) when a test fails,
 * and the per-scenario summary lines ({@code E2E-SCENARIO ...}) the Makefile greps for.
 */
final class E2eDiagnostics implements TestExecutionExceptionHandler {

    private static final AtomicReference<OperatorE2eHarness> CURRENT = new AtomicReference<>();

    static void register(OperatorE2eHarness harness) {
        CURRENT.set(harness);
    }

    /** One summary line: what ran, how long it took, writes acknowledged and lost. */
    static void report(String scenario, long startNanos, long writes, long lost) {
        System.out.printf(
                "E2E-SCENARIO %s: %.1f s, writes acknowledged %d, lost %d%n",
                scenario, (System.nanoTime() - startNanos) / 1e9, writes, lost);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        OperatorE2eHarness h = CURRENT.get();
        if (h != null) {
            System.out.println("=== " + context.getDisplayName() + " failed (seed " + h.seed() + "); diagnostics:\n"
                    + h.diagnostics());
        }
        throw throwable;
    }
}
