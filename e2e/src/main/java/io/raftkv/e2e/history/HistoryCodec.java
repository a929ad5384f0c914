package io.raftkv.e2e.history;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * Encodes and decodes one history line. The format is fixed (see {@code docs/testing.md}):
 *
 * <pre>{"client":int,"op":"put"|"get"|"delete"|"cas","key":str,"value":str|null,
 *  "expected":str|null,"ok":bool,"unknown":bool,"call_ns":int,"return_ns":int}</pre>
 *
 * <p>The encoder always writes the fields in that order on one line. The decoder is strict: every
 * field exactly once, in any order, of exactly its type; no other field; nothing after the object.
 * A strict reader keeps the format honest: a tool that writes a slightly different shape fails
 * loudly instead of being checked against the wrong data. Adding a field is a format change and
 * must be made here and in the document together.
 *
 * <p>Thread-safe: the factory is immutable after construction and parsers are per call.
 */
public final class HistoryCodec {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final String[] FIELDS = {
        "client", "op", "key", "value", "expected", "ok", "unknown", "call_ns", "return_ns"
    };

    private HistoryCodec() {}

    /** One JSON object on one line, without the trailing newline. */
    public static String encode(Operation op) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("client", op.client());
            g.writeStringField("op", op.op().wireName());
            g.writeStringField("key", op.key());
            writeNullableString(g, "value", op.value());
            writeNullableString(g, "expected", op.expected());
            g.writeBooleanField("ok", op.ok());
            g.writeBooleanField("unknown", op.unknown());
            g.writeNumberField("call_ns", op.callNs());
            g.writeNumberField("return_ns", op.returnNs());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen: writing to a StringWriter", e);
        }
        return out.toString();
    }

    /**
     * Decodes one line.
     *
     * @throws HistoryFormatException if the line is not exactly one well-formed operation
     */
    public static Operation decode(String line) {
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new HistoryFormatException("expected a JSON object");
            }
            Object[] fields = new Object[FIELDS.length];
            boolean[] seen = new boolean[FIELDS.length];
            JsonToken token;
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                int index = fieldIndex(name);
                seen[index] = true;
                p.nextToken();
                fields[index] = readField(p, name);
            }
            if (token != JsonToken.END_OBJECT) {
                throw new HistoryFormatException("malformed object");
            }
            if (p.nextToken() != null) {
                throw new HistoryFormatException("unexpected content after the object");
            }
            for (int i = 0; i < FIELDS.length; i++) {
                if (!seen[i]) {
                    throw new HistoryFormatException("missing field \"" + FIELDS[i] + "\"");
                }
            }
            long client = (Long) fields[0];
            if (client < 0 || client > Integer.MAX_VALUE) {
                throw new HistoryFormatException("client out of range: " + client);
            }
            try {
                return new Operation(
                        (int) client,
                        OpKind.fromWireName((String) fields[1]),
                        (String) fields[2],
                        (String) fields[3],
                        (String) fields[4],
                        (Boolean) fields[5],
                        (Boolean) fields[6],
                        (Long) fields[7],
                        (Long) fields[8]);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new HistoryFormatException(e.getMessage(), e);
            }
        } catch (JsonProcessingException e) {
            throw new HistoryFormatException("invalid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen: reading a String", e);
        }
    }

    private static int fieldIndex(String name) {
        for (int i = 0; i < FIELDS.length; i++) {
            if (FIELDS[i].equals(name)) {
                return i;
            }
        }
        throw new HistoryFormatException("unknown field \"" + name + "\"");
    }

    /** Reads the current value token as the type the field requires; null only where allowed. */
    private static Object readField(JsonParser p, String name) throws IOException {
        JsonToken t = p.currentToken();
        switch (name) {
            case "client", "call_ns", "return_ns" -> {
                if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw new HistoryFormatException("field \"" + name + "\" must be a 64-bit integer, got " + t);
                }
                return p.getLongValue();
            }
            case "ok", "unknown" -> {
                if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                    throw new HistoryFormatException("field \"" + name + "\" must be a boolean, got " + t);
                }
                return t == JsonToken.VALUE_TRUE;
            }
            case "op", "key" -> {
                if (t != JsonToken.VALUE_STRING) {
                    throw new HistoryFormatException("field \"" + name + "\" must be a string, got " + t);
                }
                return p.getText();
            }
            default -> { // value, expected
                if (t == JsonToken.VALUE_NULL) {
                    return null;
                }
                if (t != JsonToken.VALUE_STRING) {
                    throw new HistoryFormatException("field \"" + name + "\" must be a string or null, got " + t);
                }
                return p.getText();
            }
        }
    }

    private static void writeNullableString(JsonGenerator g, String name, String value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeStringField(name, value);
        }
    }
}
