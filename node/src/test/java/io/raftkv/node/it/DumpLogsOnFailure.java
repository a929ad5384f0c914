package io.raftkv.node.it;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** Prints the node logs of every running {@link LocalCluster} when a test fails. */
final class DumpLogsOnFailure implements TestWatcher {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        for (LocalCluster c : LocalCluster.RUNNING) {
            System.out.println("===== " + context.getDisplayName() + " failed: " + cause + "\n" + c.logs(60));
        }
    }
}
