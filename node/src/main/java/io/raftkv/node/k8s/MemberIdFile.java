package io.raftkv.node.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The file {@value #FILE_NAME} in the data directory: which Raft member this volume is. It lives on
 * the same volume as the Raft log, so the two come and go together — a restarted pod with its
 * volume is the same member; a fresh volume has no file and gets a new, never reused id.
 *
 * <p>Format (three lines, UTF-8, strictly parsed):
 * <pre>
 * raftkv-member-id v1
 * id=&lt;positive decimal&gt; origin=&lt;bootstrap|join&gt;
 * crc32c=&lt;8 hex digits of the second line&gt;
 * </pre>
 * The checksum turns a flipped bit into a clear error instead of a silently different member id
 * (which would be a reused or unknown id — both unsafe). Written to a temporary file, fsynced,
 * renamed over the target and the directory fsynced, so a crash leaves either no file or a
 * complete one, never a torn one.
 */
public final class MemberIdFile {
    public static final String FILE_NAME = "member-id";
    private static final String HEADER = "raftkv-member-id v1";
    private static final int MAX_BYTES = 256;

    /** How this member came to exist; decides bootstrap vs join on every later start. */
    public enum Origin {
        /** One of the initial voters of a new cluster: starts with the initial configuration. */
        BOOTSTRAP,
        /** Added later by AddLearner: starts empty and waits to be contacted by the leader. */
        JOIN
    }

    /** A stored identity. {@code id > 0}. */
    public record StoredMemberId(long id, Origin origin) {
        public StoredMemberId {
            if (id <= 0) {
                throw new IllegalArgumentException("member id must be positive, got " + id);
            }
        }
    }

    /** The member id file exists but cannot be trusted. Never deleted automatically. */
    public static final class CorruptMemberIdFileException extends IllegalStateException {
        CorruptMemberIdFileException(Path file, String problem) {
            super("member id file " + file + " is corrupt (" + problem + "). It identifies this volume's Raft"
                    + " member; refusing to guess. If the volume's data is intact, restore the file from the"
                    + " member's id (raftkvctl members); otherwise delete the whole volume so the pod joins as a"
                    + " new member.");
        }
    }

    private MemberIdFile() {}

    /** The file's path inside {@code dataDir}. */
    public static Path path(Path dataDir) {
        return dataDir.resolve(FILE_NAME);
    }

    /**
     * Reads the stored identity; blocking file I/O.
     *
     * @return empty when the file does not exist (a fresh volume, or a member not yet identified)
     * @throws CorruptMemberIdFileException when the file exists but is not exactly the format above
     */
    public static Optional<StoredMemberId> read(Path dataDir) {
        Path file = path(dataDir);
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new CorruptMemberIdFileException(file, "larger than " + MAX_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read member id file " + file, e);
        }
        return Optional.of(parse(file, new String(bytes, StandardCharsets.UTF_8)));
    }

    /**
     * Writes {@code member} atomically and durably (fsync of the file and of the directory).
     * Blocking; call before the node starts, never on an event loop.
     */
    public static void write(Path dataDir, StoredMemberId member) {
        Path file = path(dataDir);
        Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
        byte[] bytes = format(member).getBytes(StandardCharsets.UTF_8);
        try {
            Files.createDirectories(dataDir);
            try (FileChannel ch = FileChannel.open(
                    tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(dataDir, StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write member id file " + file, e);
        }
    }

    static String format(StoredMemberId member) {
        String body = "id=" + member.id() + " origin=" + member.origin().name().toLowerCase(Locale.ROOT);
        return HEADER + "\n" + body + "\ncrc32c=" + crcHex(body) + "\n";
    }

    static StoredMemberId parse(Path file, String text) {
        List<String> lines = text.lines().toList();
        if (lines.size() != 3 || !text.endsWith("\n")) {
            throw new CorruptMemberIdFileException(
                    file,
                    "expected 3 lines, found " + lines.size() + (text.endsWith("\n") ? "" : " and no final newline"));
        }
        if (!lines.get(0).equals(HEADER)) {
            throw new CorruptMemberIdFileException(file, "first line is not '" + HEADER + "'");
        }
        String body = lines.get(1);
        if (!lines.get(2).equals("crc32c=" + crcHex(body))) {
            throw new CorruptMemberIdFileException(file, "checksum mismatch");
        }
        String[] fields = body.split(" ");
        if (fields.length != 2 || !fields[0].startsWith("id=") || !fields[1].startsWith("origin=")) {
            throw new CorruptMemberIdFileException(file, "second line is not 'id=<n> origin=<bootstrap|join>'");
        }
        long id;
        try {
            id = Long.parseLong(fields[0].substring(3));
        } catch (NumberFormatException e) {
            throw new CorruptMemberIdFileException(file, "id is not a number");
        }
        if (id <= 0) {
            throw new CorruptMemberIdFileException(file, "id " + id + " is not positive");
        }
        Origin origin;
        try {
            origin = Origin.valueOf(fields[1].substring(7).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CorruptMemberIdFileException(file, "unknown origin '" + fields[1].substring(7) + "'");
        }
        return new StoredMemberId(id, origin);
    }

    private static String crcHex(String body) {
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().toHexDigits((int) crc.getValue());
    }
}
