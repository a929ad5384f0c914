package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data directory of storage format v1 (before revisions) is refused with a clear message, untouched. */
class StorageFormatTest {
    @TempDir
    Path dir;

    @Test
    void aFormatV1DirectoryIsRefusedNamingTheUpgradePathAndLeftUnchanged() throws Exception {
        NodeStorage.open(dir, StorageOptions.defaults()).close();
        Path format = dir.resolve("storage").resolve("FORMAT");
        assertThat(Files.readString(format)).isEqualTo("raftkv-storage v3\n");
        Files.writeString(format, "raftkv-storage v1\n", StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> NodeStorage.open(dir, StorageOptions.defaults()))
                .isInstanceOf(StorageCorruptedException.class)
                .hasMessageContaining("before MVCC revisions (storage format v1)")
                .hasMessageContaining("Upgrading to storage format v2");
        assertThat(Files.readString(format)).isEqualTo("raftkv-storage v1\n");
    }
}
