package io.raftkv.e2e.history;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a JSON-lines history (see {@link HistoryCodec}). Strict: a blank or malformed line is an
 * error that names the line number, because a damaged history cannot be checked honestly.
 */
public final class HistoryReader {
    private HistoryReader() {}

    /** Reads every operation of a history file, in file order. */
    public static List<Operation> read(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads every operation from {@code in} (not closed).
     *
     * @param source names the input in error messages, e.g. a file name
     * @throws HistoryFormatException naming {@code source} and the 1-based line of the first bad line
     */
    public static List<Operation> read(Reader in, String source) throws IOException {
        BufferedReader lines = in instanceof BufferedReader b ? b : new BufferedReader(in);
        List<Operation> ops = new ArrayList<>();
        String line;
        long lineNumber = 0;
        while ((line = lines.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
                throw new HistoryFormatException(source + ":" + lineNumber + ": blank line");
            }
            try {
                ops.add(HistoryCodec.decode(line));
            } catch (HistoryFormatException e) {
                throw new HistoryFormatException(source + ":" + lineNumber + ": " + e.getMessage(), e);
            }
        }
        return ops;
    }
}
