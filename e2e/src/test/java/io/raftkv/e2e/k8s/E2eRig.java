package io.raftkv.e2e.k8s;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link OperatorE2eHarness} per test class, as a JUnit extension: started before the class's
 * {@code @BeforeAll} methods (and registered with {@link E2eDiagnostics}), closed after its
 * {@code @AfterAll} methods. A class that is disabled (e.g. without {@code -Draftkv.e2e.full=true})
 * starts nothing.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final E2eRig RIG = new E2eRig("e2e");
 *
 * @BeforeAll
 * static void start() {
 *     cluster = RIG.createAvailable("grow", "  image: raftkv/raftkv-node:0.1.0\n");
 * }
 * }</pre>
 */
final class E2eRig implements BeforeAllCallback, AfterAllCallback {

    private final String namespace;
    private volatile OperatorE2eHarness harness;

    /** @param namespace created with the API server; the one {@link #cluster} and {@link #createAvailable} use */
    E2eRig(String namespace) {
        this.namespace = namespace;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        harness = OperatorE2eHarness.start(namespace);
        E2eDiagnostics.register(harness);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        OperatorE2eHarness h = harness;
        harness = null;
        if (h != null) {
            h.close();
        }
    }

    OperatorE2eHarness harness() {
        if (harness == null) {
            throw new IllegalStateException("the rig runs only between beforeAll and afterAll of its test class");
        }
        return harness;
    }

    String namespace() {
        return namespace;
    }

    /** The RaftKvCluster {@code name} of this rig's namespace (it need not exist yet). */
    E2eCluster cluster(String name) {
        return new E2eCluster(harness(), namespace, name);
    }

    /**
     * Creates a three-member RaftKvCluster with {@code specLines} added to its spec (YAML lines
     * indented by two spaces) and waits until it is Available with three ready members and a leader.
     */
    E2eCluster createAvailable(String name, String specLines) {
        E2eCluster cluster = cluster(name);
        cluster.create(specLines);
        cluster.awaitAvailable(s -> {});
        return cluster;
    }
}
