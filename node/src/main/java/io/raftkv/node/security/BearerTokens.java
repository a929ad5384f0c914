package io.raftkv.node.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The {@code --auth-tokens} file: one {@code token,user} per line, as the first two columns of
 * Kubernetes' static token file ({@code #} starts a comment, blank lines are skipped). Tokens are
 * kept only as SHA-256 digests, so neither a heap dump nor a log line can show one; a lookup
 * compares digests.
 */
public final class BearerTokens {
    /** No tokens: no client authenticates with one. */
    public static final BearerTokens NONE = new BearerTokens(Map.of());

    private final Map<String, String> userByDigest;

    private BearerTokens(Map<String, String> userByDigest) {
        this.userByDigest = userByDigest;
    }

    /**
     * Parses the file's text.
     *
     * @throws IllegalArgumentException naming the line that is wrong (never its token)
     */
    public static BearerTokens parse(String text) {
        Map<String, String> out = new HashMap<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split(",");
            if (parts.length < 2 || parts[0].trim().isEmpty() || parts[1].trim().isEmpty()) {
                throw new IllegalArgumentException("line " + (i + 1) + ": expected 'token,user'");
            }
            if (parts[0].trim().length() < 16) {
                throw new IllegalArgumentException("line " + (i + 1) + ": the token of user '" + parts[1].trim()
                        + "' is shorter than 16 characters");
            }
            if (out.put(digest(parts[0].trim()), parts[1].trim()) != null) {
                throw new IllegalArgumentException("line " + (i + 1) + ": a token is listed twice");
            }
        }
        return new BearerTokens(Map.copyOf(out));
    }

    /** The user {@code token} belongs to, or null. */
    public String userOf(String token) {
        return userByDigest.get(digest(token));
    }

    private static String digest(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
