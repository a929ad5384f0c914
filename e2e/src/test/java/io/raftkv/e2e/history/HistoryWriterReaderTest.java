package io.raftkv.e2e.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryWriterReaderTest {
    @TempDir
    Path dir;

    @Test
    void concurrentClientsProduceWholeLinesThatReadBack() throws Exception {
        Path file = dir.resolve("history.jsonl");
        int clients = 8;
        int perClient = 2_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        try (HistoryWriter writer = HistoryWriter.create(file)) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < perClient; i++) {
                        writer.append(
                                Operation.put(client, "k" + (i % 5), "c" + client + "-" + i, i * 10L, i * 10L + 5));
                    }
                });
                t.start();
                threads.add(t);
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            assertThat(writer.operationsAppended()).isEqualTo((long) clients * perClient);
        }
        List<Operation> ops = HistoryReader.read(file);
        assertThat(ops).hasSize(clients * perClient);
        for (int c = 0; c < clients; c++) {
            int client = c;
            List<Operation> mine =
                    ops.stream().filter(o -> o.client() == client).toList();
            assertThat(mine).hasSize(perClient).isSortedAccordingTo(Comparator.comparingLong(Operation::callNs));
        }
    }

    @Test
    void buffersAtMostTheConfiguredNumberOfLines() {
        StringWriter sink = new StringWriter();
        HistoryWriter writer = new HistoryWriter(sink, 3);
        writer.append(Operation.get(0, "k", null, 1, 2));
        writer.append(Operation.get(0, "k", null, 3, 4));
        assertThat(sink.toString()).isEmpty();
        writer.append(Operation.get(0, "k", null, 5, 6));
        assertThat(sink.toString().lines()).hasSize(3);
        writer.append(Operation.get(0, "k", null, 7, 8));
        writer.flush();
        assertThat(sink.toString().lines()).hasSize(4);
        writer.close();
        writer.close();
        assertThatThrownBy(() -> writer.append(Operation.get(0, "k", null, 9, 10)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void firstIoErrorIsSticky() {
        Writer failing = new Writer() {
            @Override
            public void write(char[] cbuf, int off, int len) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        HistoryWriter writer = new HistoryWriter(failing, 1);
        assertThatThrownBy(() -> writer.append(Operation.get(0, "k", null, 1, 2)))
                .isInstanceOf(UncheckedIOException.class)
                .hasRootCauseMessage("disk full");
        assertThatThrownBy(() -> writer.append(Operation.get(0, "k", null, 3, 4)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("failed earlier");
        assertThatThrownBy(writer::close).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void neverOverwritesAHistory() throws IOException {
        Path file = Files.writeString(dir.resolve("old.jsonl"), "evidence\n");
        assertThatThrownBy(() -> HistoryWriter.create(file)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(file)).isEqualTo("evidence\n");
    }

    @Test
    void readerNamesTheBadLine() {
        String good = HistoryCodec.encode(Operation.get(0, "k", null, 1, 2));
        assertThatThrownBy(() ->
                        HistoryReader.read(new StringReader(good + "\n" + good + "\n{\"client\":1}\n"), "h.jsonl"))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageStartingWith("h.jsonl:3: missing field");
        assertThatThrownBy(() -> HistoryReader.read(new StringReader(good + "\n\n" + good), "h.jsonl"))
                .hasMessage("h.jsonl:2: blank line");
    }
}
