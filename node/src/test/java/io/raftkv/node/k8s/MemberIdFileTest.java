package io.raftkv.node.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.node.k8s.MemberIdFile.CorruptMemberIdFileException;
import io.raftkv.node.k8s.MemberIdFile.Origin;
import io.raftkv.node.k8s.MemberIdFile.StoredMemberId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemberIdFileTest {
    @TempDir
    Path dataDir;

    @Test
    void absentOnAFreshVolume() {
        assertThat(MemberIdFile.read(dataDir)).isEmpty();
    }

    @Test
    void roundTripsAndLeavesNoTemporaryFile() throws Exception {
        StoredMemberId m = new StoredMemberId(8_589_934_597L, Origin.JOIN);
        MemberIdFile.write(dataDir, m);
        assertThat(MemberIdFile.read(dataDir)).contains(m);
        try (var files = Files.list(dataDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("member-id");
        }
        MemberIdFile.write(dataDir, new StoredMemberId(2, Origin.BOOTSTRAP));
        assertThat(MemberIdFile.read(dataDir)).contains(new StoredMemberId(2, Origin.BOOTSTRAP));
    }

    @Test
    void everySingleBitFlipIsDetected() throws Exception {
        long seed = new SplittableRandom().nextLong();
        System.out.println("MemberIdFileTest seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        byte[] good =
                MemberIdFile.format(new StoredMemberId(3, Origin.BOOTSTRAP)).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 200; i++) {
            byte[] bad = good.clone();
            int pos = random.nextInt(bad.length);
            bad[pos] ^= (byte) (1 << random.nextInt(8));
            Files.write(MemberIdFile.path(dataDir), bad);
            assertThatThrownBy(() -> MemberIdFile.read(dataDir))
                    .as("seed %d, flip at byte %d", seed, pos)
                    .isInstanceOf(CorruptMemberIdFileException.class)
                    .hasMessageContaining("is corrupt");
        }
    }

    @Test
    void garbageTruncationAndHandEditsAreClearErrors() throws Exception {
        Path file = MemberIdFile.path(dataDir);
        Files.writeString(file, "3\n");
        assertThatThrownBy(() -> MemberIdFile.read(dataDir))
                .isInstanceOf(CorruptMemberIdFileException.class)
                .hasMessageContaining("expected 3 lines");
        String good = MemberIdFile.format(new StoredMemberId(3, Origin.BOOTSTRAP));
        Files.writeString(file, good.substring(0, good.length() - 4));
        assertThatThrownBy(() -> MemberIdFile.read(dataDir)).isInstanceOf(CorruptMemberIdFileException.class);
        Files.writeString(file, good.replace("id=3", "id=4"));
        assertThatThrownBy(() -> MemberIdFile.read(dataDir))
                .isInstanceOf(CorruptMemberIdFileException.class)
                .hasMessageContaining("checksum mismatch");
        Files.write(file, new byte[4096]);
        assertThatThrownBy(() -> MemberIdFile.read(dataDir))
                .isInstanceOf(CorruptMemberIdFileException.class)
                .hasMessageContaining("larger than");
    }
}
