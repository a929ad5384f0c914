package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The examples of RFC 7386, appendix A, against the mock server's corrected merge patch. */
class Rfc7386MergePatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0} + {1} = {2}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "{'a':'b'}              | {'a':'c'}            | {'a':'c'}",
                "{'a':'b'}              | {'b':'c'}            | {'a':'b','b':'c'}",
                "{'a':'b'}              | {'a':null}           | {}",
                "{'a':'b','b':'c'}      | {'a':null}           | {'b':'c'}",
                "{'a':['b']}            | {'a':'c'}            | {'a':'c'}",
                "{'a':'c'}              | {'a':['b']}          | {'a':['b']}",
                "{'a':{'b':'c'}}        | {'a':{'b':'d','c':null}} | {'a':{'b':'d'}}",
                "{'a':[{'b':'c'}]}      | {'a':[1]}            | {'a':[1]}",
                "['a','b']              | ['c','d']            | ['c','d']",
                "{'a':'b'}              | ['c']                | ['c']",
                "{'a':'foo'}            | null                 | null",
                "{'a':'foo'}            | 'bar'                | 'bar'",
                "{'e':null}             | {'a':1}              | {'e':null,'a':1}",
                "[1,2]                  | {'a':'b','c':null}   | {'a':'b'}",
                "{}                     | {'a':{'bb':{'ccc':null}}} | {'a':{'bb':{}}}",
                // what the node sends: a shorter members array replaces a longer one
                "{'status':{'members':[1,2,3],'phase':'Running'}} | {'status':{'members':[1,2]}} | {'status':{'members':[1,2],'phase':'Running'}}"
            })
    void mergesAsTheRfcSpecifies(String target, String patch, String expected) throws Exception {
        JsonNode result = MockApiServer.Rfc7386CrudDispatcher.mergePatch(json(target), json(patch));
        assertThat(result).isEqualTo(json(expected));
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.trim().replace('\'', '"'));
    }
}
