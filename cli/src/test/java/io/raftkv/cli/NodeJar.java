package io.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

/** The runnable node jar the cli tests start real nodes from: {@code -Draftkv.node.jar}, else the reactor's build. */
final class NodeJar {
    private NodeJar() {}

    static Path path() {
        Path jar = Path.of(System.getProperty("raftkv.node.jar", "../node/target/raftkv-node.jar"))
                .toAbsolutePath()
                .normalize();
        assertThat(jar)
                .as("the node jar (build it with mvn -pl node -am package -DskipTests, or run the whole build)")
                .isRegularFile();
        return jar;
    }
}
