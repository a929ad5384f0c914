package io.raftkv.node.storage;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Command-line check of a data directory, read-only: runs the start-up checks and prints what it
 * found. Exit status 0 if the node would start, 2 if the storage is unusable (the reason on stderr),
 * 64 on a usage error. Usage: {@code StorageCheck <dataDir>}.
 */
public final class StorageCheck {
    static final int OK = 0;
    static final int CORRUPTED = 2;
    static final int USAGE = 64;

    private StorageCheck() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: StorageCheck <dataDir>");
            return USAGE;
        }
        StorageLayout layout = new StorageLayout(Path.of(args[0]));
        if (!Files.isDirectory(layout.root)) {
            System.err.println("no storage in " + layout.dataDir + " (expected " + layout.root + ")");
            return CORRUPTED;
        }
        try {
            StartupCheck.Report report = StartupCheck.run(layout, StorageOptions.defaults());
            System.out.println("storage in " + layout.dataDir + " passes the start-up checks");
            System.out.println(report.summary());
            return OK;
        } catch (StorageCorruptedException e) {
            System.err.println(e.getMessage());
            return CORRUPTED;
        }
    }
}
