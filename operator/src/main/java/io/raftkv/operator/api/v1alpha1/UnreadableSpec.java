package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Stands in for a spec the operator could not read (a quantity Fabric8 cannot parse, an unknown
 * enum value, a string where a number belongs — anything the API server stored because its
 * schema was older or looser). It keeps the object as written and serializes back to exactly
 * that, so a status patch or a cache copy never rewrites the user's spec, and says what is
 * wrong so that the reconciler can report it on this one cluster instead of the informer
 * failing for all of them.
 *
 * <p>Every typed field is null: nothing may be derived from a spec that could not be read.
 */
public final class UnreadableSpec extends RaftKvClusterSpec {

    private final JsonNode raw;
    private final String problem;

    UnreadableSpec(JsonNode raw, String problem) {
        this.raw = raw;
        this.problem = problem;
        setReplicas(null);
        setImage(null);
        setImagePullPolicy(null);
        setStorage(null);
        setRaft(null);
        setScheduling(null);
        setClientService(null);
        setLabels(null);
        setAnnotations(null);
    }

    /** The spec exactly as stored. */
    @JsonValue
    public JsonNode raw() {
        return raw;
    }

    /** Which field could not be read and why, e.g. {@code spec.resources.limits.memory ...}. */
    @JsonIgnore
    public String problem() {
        return problem;
    }
}
