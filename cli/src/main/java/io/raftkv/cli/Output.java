package io.raftkv.cli;

import com.google.protobuf.ByteString;
import io.raftkv.api.v1.Header;
import io.raftkv.api.v1.KeyValue;
import io.raftkv.api.v1.Member;
import io.raftkv.api.v1.MemberRole;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Renders results as an aligned text table (default) or as JSON ({@code -o json}).
 *
 * <p>Bytes: keys and values that are valid UTF-8 without control characters print as text. In a
 * table anything else is escaped ({@code \xNN}); in JSON such a field is replaced by
 * {@code <name>_base64} holding the exact bytes, so JSON output never loses information.
 */
final class Output {
    enum Format {
        TABLE,
        JSON
    }

    private final PrintWriter out;
    private final Format format;

    Output(PrintWriter out, Format format) {
        this.out = out;
        this.format = format;
    }

    boolean json() {
        return format == Format.JSON;
    }

    void printJson(Object value) {
        String text = value instanceof JsonObject o ? o.encodePrettily() : ((JsonArray) value).encodePrettily();
        out.println(text);
        out.flush();
    }

    void println(String line) {
        out.println(line);
        out.flush();
    }

    /** Prints rows under a header, columns padded to their widest cell. */
    void table(List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> r : all) {
            for (int i = 0; i < r.size(); i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        for (List<String> r : all) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                String cell = r.get(i);
                b.append(cell);
                if (i < r.size() - 1) {
                    b.append(" ".repeat(width[i] - cell.length() + 2));
                }
            }
            out.println(b.toString().stripTrailing());
        }
        out.flush();
    }

    static List<String> kvRow(KeyValue kv, boolean keysOnly) {
        List<String> row = new ArrayList<>(List.of(text(kv.getKey())));
        if (!keysOnly) {
            row.add(text(kv.getValue()));
        }
        row.add(Long.toUnsignedString(kv.getVersion()));
        row.add(Long.toString(kv.getCreateRevision()));
        row.add(Long.toString(kv.getModRevision()));
        return row;
    }

    static List<String> kvHeader(boolean keysOnly) {
        return keysOnly
                ? List.of("KEY", "VERSION", "CREATE_REVISION", "MOD_REVISION")
                : List.of("KEY", "VALUE", "VERSION", "CREATE_REVISION", "MOD_REVISION");
    }

    static JsonObject kvJson(KeyValue kv, boolean keysOnly) {
        JsonObject o = new JsonObject();
        putBytes(o, "key", kv.getKey());
        if (!keysOnly) {
            putBytes(o, "value", kv.getValue());
        }
        o.put("version", kv.getVersion())
                .put("create_revision", kv.getCreateRevision())
                .put("mod_revision", kv.getModRevision());
        if (kv.getLease() != 0) {
            o.put("lease", kv.getLease());
        }
        // Deprecated aliases of the revisions, kept for scripts written before revisions.
        return o.put("create_index", kv.getCreateIndex()).put("mod_index", kv.getModIndex());
    }

    static JsonObject headerJson(Header h) {
        return new JsonObject()
                .put("cluster_id", Long.toUnsignedString(h.getClusterId()))
                .put("member_id", h.getMemberId())
                .put("term", h.getTerm())
                .put("raft_index", h.getRaftIndex())
                .put("revision", h.getRevision());
    }

    static JsonObject memberJson(Member m) {
        return new JsonObject()
                .put("id", m.getId())
                .put("role", roleName(m.getRole()))
                .put("peer_address", m.getPeerAddress())
                .put("client_address", m.getClientAddress());
    }

    static List<String> memberHeader() {
        return List.of("ID", "ROLE", "PEER_ADDRESS", "CLIENT_ADDRESS");
    }

    static List<String> memberRow(Member m) {
        return List.of(
                Long.toUnsignedString(m.getId()),
                roleName(m.getRole()),
                m.getPeerAddress(),
                m.getClientAddress().isEmpty() ? "-" : m.getClientAddress());
    }

    static String roleName(MemberRole r) {
        return r == MemberRole.UNRECOGNIZED ? "unknown" : r.name().toLowerCase(Locale.ROOT);
    }

    /** Adds {@code name} as text, or {@code name_base64} when the bytes are not printable UTF-8. */
    static void putBytes(JsonObject o, String name, ByteString bytes) {
        String s = printableUtf8(bytes);
        if (s != null) {
            o.put(name, s);
        } else {
            o.put(name + "_base64", Base64.getEncoder().encodeToString(bytes.toByteArray()));
        }
    }

    /** Text for a table cell: printable UTF-8 as is, anything else escaped byte by byte. */
    static String text(ByteString bytes) {
        String s = printableUtf8(bytes);
        if (s != null) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (byte x : bytes.toByteArray()) {
            int v = x & 0xff;
            if (v >= 0x20 && v < 0x7f && v != '\\') {
                b.append((char) v);
            } else {
                b.append(String.format("\\x%02x", v));
            }
        }
        return b.toString();
    }

    private static String printableUtf8(ByteString bytes) {
        try {
            String s = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
            for (int i = 0; i < s.length(); i++) {
                if (Character.isISOControl(s.charAt(i))) {
                    return null;
                }
            }
            return s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
