package io.raftkv.node.security;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer tokens and role bindings files, re-read when their content changes (a token revoked
 * or a role granted takes effect at the next call, without a restart). A file that fails to parse
 * keeps the previous content in force and is logged by line number, never by token.
 */
public final class AuthFiles {
    private static final Logger LOG = LoggerFactory.getLogger(AuthFiles.class);

    /** One consistent pair. */
    record Contents(BearerTokens tokens, RoleBindings roles, byte[] tokensText, byte[] rolesText) {}

    private final Path tokensFile;
    private final Path rolesFile;
    private volatile Contents current;
    private volatile PeriodicReload watch;

    private AuthFiles(Path tokensFile, Path rolesFile, Contents first) {
        this.tokensFile = tokensFile;
        this.rolesFile = rolesFile;
        this.current = first;
    }

    /**
     * Reads both files now (null paths: none of that kind). Blocking.
     *
     * @throws IllegalArgumentException naming the file and line that cannot be used
     */
    public static AuthFiles load(Path tokensFileOrNull, Path rolesFileOrNull) {
        return new AuthFiles(tokensFileOrNull, rolesFileOrNull, read(tokensFileOrNull, rolesFileOrNull));
    }

    /** Contents given directly (tests, tools). */
    public static AuthFiles of(String tokensText, String rolesText) {
        return new AuthFiles(
                null,
                null,
                new Contents(BearerTokens.parse(tokensText), RoleBindings.parse(rolesText), new byte[0], new byte[0]));
    }

    /** Checks the files every {@code period} from now on. */
    public AuthFiles watch(Vertx vertx, Duration period) {
        if (tokensFile != null || rolesFile != null) {
            watch = new PeriodicReload(vertx, period, this::reloadIfChanged);
        }
        return this;
    }

    public void close() {
        PeriodicReload w = watch;
        if (w != null) {
            w.cancel();
        }
    }

    /** Re-reads the files; true when new content was taken. Blocking. */
    public boolean reloadIfChanged() {
        Contents now = current;
        try {
            byte[] tokensText = tokensFile == null ? new byte[0] : Files.readAllBytes(tokensFile);
            byte[] rolesText = rolesFile == null ? new byte[0] : Files.readAllBytes(rolesFile);
            if (Arrays.equals(tokensText, now.tokensText()) && Arrays.equals(rolesText, now.rolesText())) {
                return false;
            }
            current = parse(tokensText, rolesText);
            LOG.info("auth files changed: tokens {} and role bindings {} reloaded", tokensFile, rolesFile);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn(
                    "auth files changed but cannot be used ({}); keeping the previous tokens and roles",
                    e.getMessage());
            return false;
        }
    }

    public BearerTokens tokens() {
        return current.tokens();
    }

    public RoleBindings roles() {
        return current.roles();
    }

    private static Contents read(Path tokensFile, Path rolesFile) {
        try {
            return parse(
                    tokensFile == null ? new byte[0] : Files.readAllBytes(tokensFile),
                    rolesFile == null ? new byte[0] : Files.readAllBytes(rolesFile));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read auth files: " + e, e);
        }
    }

    private static Contents parse(byte[] tokensText, byte[] rolesText) {
        BearerTokens tokens;
        try {
            tokens = BearerTokens.parse(new String(tokensText, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tokens file: " + e.getMessage(), e);
        }
        RoleBindings roles;
        try {
            roles = RoleBindings.parse(new String(rolesText, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("role bindings file: " + e.getMessage(), e);
        }
        return new Contents(tokens, roles, tokensText, rolesText);
    }
}
