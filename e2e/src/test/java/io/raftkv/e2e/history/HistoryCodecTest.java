package io.raftkv.e2e.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HistoryCodecTest {
    @Test
    void encodesTheDocumentedShapeInFieldOrder() {
        Operation cas = Operation.cas(3, "k1", null, "v2", true, 100, 250);
        assertThat(HistoryCodec.encode(cas))
                .isEqualTo("{\"client\":3,\"op\":\"cas\",\"key\":\"k1\",\"value\":\"v2\",\"expected\":null,"
                        + "\"ok\":true,\"unknown\":false,\"call_ns\":100,\"return_ns\":250}");
    }

    @Test
    void roundTripsEveryKindAndAwkwardStrings() {
        Operation[] ops = {
            Operation.put(0, "quote\"back\\slash", "line\nbreak \u00e9\u4e2d", 1, 2),
            Operation.get(1, "k", null, 3, 4),
            Operation.get(1, "k", "", 3, 4),
            Operation.delete(2, "k", Long.MIN_VALUE, Long.MAX_VALUE),
            Operation.cas(Integer.MAX_VALUE, "k", "old", "new", false, 5, 6),
            Operation.put(4, "k", "v", 7, 8).asUnknown(),
            Operation.get(4, "k", "v", 7, 8).asUnknown(),
        };
        for (Operation op : ops) {
            String line = HistoryCodec.encode(op);
            assertThat(line).doesNotContain("\n");
            assertThat(HistoryCodec.decode(line)).isEqualTo(op);
        }
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "[]|expected a JSON object",
                "{\"client\":1,\"op\":\"get\",\"key\":\"k\",\"value\":null,\"expected\":null,\"ok\":true,\"unknown\":false,\"call_ns\":1}|missing field \"return_ns\"",
                "{\"client\":1,\"op\":\"get\",\"key\":\"k\",\"value\":null,\"expected\":null,\"ok\":true,\"unknown\":false,\"call_ns\":1,\"return_ns\":2,\"extra\":0}|unknown field \"extra\"",
                "{\"client\":1,\"client\":2}|Duplicate field",
                "{\"client\":\"1\",\"op\":\"get\"}|must be a 64-bit integer",
                "{\"client\":1.5}|must be a 64-bit integer",
                "{\"client\":1,\"op\":\"get\",\"key\":\"k\",\"value\":null,\"expected\":null,\"ok\":\"true\"}|must be a boolean",
                "{\"client\":1,\"op\":\"get\",\"key\":null}|must be a string",
                "{\"client\":1,\"op\":\"get\",\"key\":\"k\",\"value\":3}|must be a string or null",
                "{\"client\":1,\"op\":\"incr\",\"key\":\"k\",\"value\":null,\"expected\":null,\"ok\":true,\"unknown\":false,\"call_ns\":1,\"return_ns\":2}|unknown op \"incr\"",
                "{\"client\":-1,\"op\":\"get\",\"key\":\"k\",\"value\":null,\"expected\":null,\"ok\":true,\"unknown\":false,\"call_ns\":1,\"return_ns\":2}|client out of range",
                "{\"client\":1,\"op\":\"get\",\"key\":\"k\",\"value\":null,\"expected\":null,\"ok\":true,\"unknown\":true,\"call_ns\":1,\"return_ns\":2}|both true",
                "{\"client\":1,\"op\":\"get\",\"key\":\"k\",\"value\":null,\"expected\":null,\"ok\":true,\"unknown\":false,\"call_ns\":5,\"return_ns\":2}|is after return_ns",
                "{\"client\":1,\"op\":\"put\",\"key\":\"k\",\"value\":\"v\",\"expected\":\"x\",\"ok\":true,\"unknown\":false,\"call_ns\":1,\"return_ns\":2}|only allowed on a cas",
                "{\"client\":1,\"op\":\"put\",\"key\":\"k\",\"value\":null,\"expected\":null,\"ok\":true,\"unknown\":false,\"call_ns\":1,\"return_ns\":2}|must carry the written value",
                "{\"client\":1,\"op\":\"get\",\"key\":\"k\",\"value\":null,\"expected\":null,\"ok\":true,\"unknown\":false,\"call_ns\":1,\"return_ns\":2} {}|after the object",
                "{\"client\":1,|invalid JSON",
            })
    void rejectsAnythingElseWithAClearMessage(String line, String message) {
        assertThatThrownBy(() -> HistoryCodec.decode(line))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining(message);
    }
}
