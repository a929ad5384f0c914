package io.raftkv.node.security;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who holds which role, over which keys: the {@code --auth-roles} file, one binding per line,
 * {@code user role [key-prefix]} (whitespace-separated; {@code #} starts a comment). A user may
 * have several lines; a line without a prefix covers every key. The prefix is UTF-8 text.
 *
 * <pre>
 * # user        role   prefix
 * raftkv-operator admin
 * app-frontend  read   /app/
 * app-backend   write  /app/
 * </pre>
 *
 * <p>A call is allowed when every key it touches is covered by one of the user's bindings with a
 * role that includes what the call does to that key; a call that touches no key (Status,
 * MemberList) needs the role on any prefix; admin calls need {@code admin} without a prefix,
 * since a snapshot holds every key and membership concerns the whole cluster.
 */
public final class RoleBindings {

    /** One line of the file. */
    public record Binding(Role role, byte[] prefix) {
        public Binding {
            prefix = prefix.clone();
        }

        /** Whether every key in {@code [start, end)} (end empty: no upper bound) starts with the prefix. */
        boolean covers(byte[] start, byte[] end) {
            if (prefix.length == 0) {
                return true;
            }
            if (!startsWith(start, prefix)) {
                return false;
            }
            byte[] limit = prefixEnd(prefix);
            return limit == null || (end.length > 0 && Arrays.compareUnsigned(end, limit) <= 0);
        }

        String prefixText() {
            return new String(prefix, StandardCharsets.UTF_8);
        }
    }

    private final Map<String, List<Binding>> byUser;

    private RoleBindings(Map<String, List<Binding>> byUser) {
        this.byUser = byUser;
    }

    /** No bindings: nobody may do anything. */
    public static final RoleBindings NONE = new RoleBindings(Map.of());

    /**
     * Parses the file's text.
     *
     * @throws IllegalArgumentException naming the line that is wrong
     */
    public static RoleBindings parse(String text) {
        Map<String, List<Binding>> out = new HashMap<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length < 2 || parts.length > 3) {
                throw new IllegalArgumentException("line " + (i + 1) + ": expected 'user role [key-prefix]'");
            }
            Role role;
            try {
                role = Role.parse(parts[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage());
            }
            byte[] prefix = parts.length == 3 ? parts[2].getBytes(StandardCharsets.UTF_8) : new byte[0];
            out.computeIfAbsent(parts[0], u -> new ArrayList<>()).add(new Binding(role, prefix));
        }
        out.replaceAll((u, l) -> List.copyOf(l));
        return new RoleBindings(Map.copyOf(out));
    }

    /** {@code user}'s bindings (empty when it has none). */
    public List<Binding> of(String user) {
        return byUser.getOrDefault(user, List.of());
    }

    /** Every user with a binding, and its bindings. */
    public Map<String, List<Binding>> users() {
        return byUser;
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** The smallest key greater than every key starting with {@code prefix}, or null when there is none. */
    static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return Arrays.copyOf(end, i + 1);
            }
        }
        return null;
    }
}
