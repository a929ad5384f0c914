package io.raftkv.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validates a custom resource against a CRD's structural schema the way the API server does on
 * create and update, in its order: prune unknown fields, apply defaults, check types, enums,
 * bounds, patterns and required fields, then evaluate the {@code x-kubernetes-validations} CEL
 * rules (with cel-java) — transition rules ({@code oldSelf}) only on update and only where the
 * old object had the value, as Kubernetes does.
 *
 * <p>Not modelled: CEL cost budgets, the Kubernetes CEL library extensions (quantity, url, ip:
 * the CRD uses none), formats other than none, and the metadata checks of the API server.
 */
final class SchemaConformance {

    private final JsonNode schema;
    private final CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
            .addVar("self", SimpleType.DYN)
            .addVar("oldSelf", SimpleType.DYN)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .build();
    private final CelRuntime runtime =
            CelRuntimeFactory.standardCelRuntimeBuilder().build();

    SchemaConformance(JsonNode openApiV3Schema) {
        this.schema = openApiV3Schema;
    }

    /** Prunes and defaults {@code object} in place; returns the problems (empty = accepted). */
    List<String> validate(ObjectNode object, JsonNode old) {
        prune(schema, object);
        applyDefaults(schema, object);
        List<String> problems = new ArrayList<>();
        check(schema, object, old, "", problems);
        return problems;
    }

    private static void prune(JsonNode schema, JsonNode value) {
        if (value == null || schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            return;
        }
        if (value.isObject()) {
            JsonNode properties = schema.get("properties");
            JsonNode additional = schema.get("additionalProperties");
            Iterator<Map.Entry<String, JsonNode>> it = value.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (properties != null && properties.has(e.getKey())) {
                    prune(properties.get(e.getKey()), e.getValue());
                } else if (additional != null && additional.isObject()) {
                    prune(additional, e.getValue());
                } else if (properties != null && !isRootMeta(schema, e.getKey())) {
                    it.remove();
                }
            }
        } else if (value.isArray() && schema.has("items")) {
            value.forEach(item -> prune(schema.get("items"), item));
        }
    }

    private static boolean isRootMeta(JsonNode schema, String key) {
        return List.of("apiVersion", "kind", "metadata").contains(key);
    }

    private static void applyDefaults(JsonNode schema, JsonNode value) {
        if (value == null) {
            return;
        }
        if (value.isObject() && schema.has("properties")) {
            ObjectNode object = (ObjectNode) value;
            schema.get("properties").fields().forEachRemaining(e -> {
                if (!object.has(e.getKey()) && e.getValue().has("default")) {
                    object.set(e.getKey(), e.getValue().get("default").deepCopy());
                }
                applyDefaults(e.getValue(), object.get(e.getKey()));
            });
        } else if (value.isObject() && schema.path("additionalProperties").isObject()) {
            value.forEach(v -> applyDefaults(schema.get("additionalProperties"), v));
        } else if (value.isArray() && schema.has("items")) {
            value.forEach(item -> applyDefaults(schema.get("items"), item));
        }
    }

    private void check(JsonNode schema, JsonNode value, JsonNode old, String path, List<String> problems) {
        if (value == null || value.isNull()) {
            return;
        }
        String where = path.isEmpty() ? "<root>" : path;
        String type = schema.path("type").asText("");
        boolean intOrString = schema.path("x-kubernetes-int-or-string").asBoolean(false);
        if (intOrString) {
            if (!value.isIntegralNumber() && !value.isTextual()) {
                problems.add(where + ": must be an integer or a string");
                return;
            }
        } else if (!type.isEmpty() && !hasType(value, type)) {
            problems.add(where + ": must be of type " + type);
            return;
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode allowed : schema.get("enum")) {
                found |= allowed.equals(value);
            }
            if (!found) {
                problems.add(where + ": Unsupported value: " + value + ": supported values: " + schema.get("enum"));
            }
        }
        if (schema.has("minimum")
                && value.isNumber()
                && value.asDouble() < schema.get("minimum").asDouble()) {
            problems.add(where + ": should be greater than or equal to "
                    + schema.get("minimum").asText());
        }
        if (schema.has("maximum")
                && value.isNumber()
                && value.asDouble() > schema.get("maximum").asDouble()) {
            problems.add(where + ": should be less than or equal to "
                    + schema.get("maximum").asText());
        }
        if (schema.has("pattern")
                && value.isTextual()
                && !Pattern.compile(schema.get("pattern").asText())
                        .matcher(value.asText())
                        .find()) {
            problems.add(where + ": should match '" + schema.get("pattern").asText() + "'");
        }
        if (value.isObject()) {
            for (JsonNode required : schema.path("required")) {
                if (!value.has(required.asText())) {
                    problems.add(where + "." + required.asText() + ": Required value");
                }
            }
            JsonNode properties = schema.get("properties");
            JsonNode additional = schema.get("additionalProperties");
            value.fields().forEachRemaining(e -> {
                JsonNode child = properties != null ? properties.get(e.getKey()) : null;
                if (child == null && additional != null && additional.isObject()) {
                    child = additional;
                }
                if (child != null) {
                    check(
                            child,
                            e.getValue(),
                            old == null ? null : old.get(e.getKey()),
                            path + "." + e.getKey(),
                            problems);
                }
            });
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), null, path + "[" + i + "]", problems);
            }
            if ("set".equals(schema.path("x-kubernetes-list-type").asText())) {
                List<JsonNode> seen = new ArrayList<>();
                value.forEach(v -> {
                    if (seen.contains(v)) {
                        problems.add(where + ": Duplicate value: " + v);
                    }
                    seen.add(v);
                });
            }
        }
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            String expression = rule.get("rule").asText();
            boolean transition = expression.contains("oldSelf");
            if (transition && (old == null || old.isNull())) {
                continue;
            }
            if (!evaluate(expression, value, old)) {
                problems.add(where + ": Invalid value: " + rule.path("message").asText(expression));
            }
        }
    }

    private boolean evaluate(String expression, JsonNode self, JsonNode oldSelf) {
        try {
            CelAbstractSyntaxTree ast = compiler.compile(expression).getAst();
            Map<String, Object> vars = new HashMap<>();
            vars.put("self", toCel(self));
            if (oldSelf != null) {
                vars.put("oldSelf", toCel(oldSelf));
            }
            Object result = runtime.createProgram(ast).eval(vars);
            return Boolean.TRUE.equals(result);
        } catch (CelValidationException | CelEvaluationException e) {
            throw new IllegalStateException("CEL rule '" + expression + "' failed: " + e.getMessage(), e);
        }
    }

    /** JSON to CEL values: objects are maps, arrays lists, integers int (long). */
    static Object toCel(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> map.put(e.getKey(), toCel(e.getValue())));
            return map;
        } else if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            ((ArrayNode) node).forEach(v -> list.add(toCel(v)));
            return list;
        } else if (node.isIntegralNumber()) {
            return node.asLong();
        } else if (node.isNumber()) {
            return node.asDouble();
        } else if (node.isBoolean()) {
            return node.asBoolean();
        }
        return node.asText();
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> true;
        };
    }
}
