package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.ResolvableDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a {@link RaftKvClusterSpec} with the ordinary bean deserializer, and turns a failure
 * into an {@link UnreadableSpec} instead of an exception. Without this, one object whose spec
 * Fabric8 cannot parse fails the informer's list or watch, which stops the operator for every
 * cluster it manages.
 */
final class LenientSpecDeserializer extends StdDeserializer<RaftKvClusterSpec> implements ResolvableDeserializer {

    private JsonDeserializer<Object> strict;

    LenientSpecDeserializer() {
        super(RaftKvClusterSpec.class);
    }

    @Override
    public void resolve(DeserializationContext ctxt) throws JsonMappingException {
        // The bean deserializer built directly by the factory does not consult the class's own
        // @JsonDeserialize annotation, so it does not recurse into this class.
        JavaType type = ctxt.constructType(RaftKvClusterSpec.class);
        BeanDescription description = ctxt.getConfig().introspect(type);
        strict = ctxt.getFactory().createBeanDeserializer(ctxt, type, description);
        if (strict instanceof ResolvableDeserializer resolvable) {
            resolvable.resolve(ctxt);
        }
    }

    @Override
    public RaftKvClusterSpec deserialize(JsonParser parser, DeserializationContext ctxt) throws IOException {
        JsonNode tree = ctxt.readTree(parser);
        try (JsonParser treeParser = tree.traverse(parser.getCodec())) {
            treeParser.nextToken();
            return (RaftKvClusterSpec) strict.deserialize(treeParser, ctxt);
        } catch (JsonMappingException | IllegalArgumentException | ArithmeticException e) {
            return new UnreadableSpec(tree, describe(tree, e));
        }
    }

    /** {@code spec.<path> '<value>' cannot be read: <cause>}. */
    static String describe(JsonNode spec, Exception e) {
        List<String> path = new ArrayList<>();
        if (e instanceof JsonMappingException mapping) {
            for (JsonMappingException.Reference ref : mapping.getPath()) {
                if (ref.getFieldName() != null) {
                    path.add(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    path.add(String.valueOf(ref.getIndex()));
                }
            }
        }
        JsonNode value = spec;
        StringBuilder field = new StringBuilder("spec");
        for (String segment : path) {
            field.append('.').append(segment);
            value = value == null ? null : value.isArray() ? value.get(Integer.parseInt(segment)) : value.get(segment);
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String cause = root instanceof JsonMappingException m ? m.getOriginalMessage() : root.getMessage();
        String shown = value == null ? "" : " " + (value.isTextual() ? "'" + value.asText() + "'" : value.toString());
        if (cause != null && cause.toLowerCase().contains("quantity")) {
            return field + shown + " is not a Kubernetes quantity (e.g. 512Mi, 2, 250m, 1.5Gi)";
        }
        return field + shown + " cannot be read: "
                + (cause == null ? root.getClass().getSimpleName() : firstLine(cause));
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
