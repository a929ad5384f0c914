package io.raftkv.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Status messages are percent-encoded as the gRPC spec says, and read back as sent by both decoders in use. */
class ErrorTrailersTest {
    @Test
    void printableAsciiStaysAsItIs() {
        String m = "value is 17 bytes, more than the limit of 16 (maxValueBytes): \"x\" <y> ~*&=?#/";
        assertThat(ErrorTrailers.percentEncode(m)).isEqualTo(m);
    }

    @Test
    void percentPlusControlAndNonAsciiAreEncodedAsUtf8Bytes() {
        assertThat(ErrorTrailers.percentEncode("100% of 1+1\n")).isEqualTo("100%25 of 1%2B1%0A");
        assertThat(ErrorTrailers.percentEncode("mod_index must be ≥ 1")).isEqualTo("mod_index must be %E2%89%A5 1");
    }

    @Test
    void vertxsDecoderReadsBackTheMessage() {
        String m = "a, b + c = 100% ≥ d\t\"e\"";
        String encoded = ErrorTrailers.percentEncode(m);
        assertThat(QueryStringDecoder.decodeComponent(encoded, StandardCharsets.UTF_8))
                .isEqualTo(m);
        assertThat(URLDecoder.decode(encoded, StandardCharsets.UTF_8)).isEqualTo(m);
    }
}
