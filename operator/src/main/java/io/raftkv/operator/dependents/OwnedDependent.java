package io.raftkv.operator.dependents;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher.Result;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An object the operator owns, matched strictly against the full desired state.
 *
 * <p>JOSDK's default matcher (without server-side apply) only checks that every field of the
 * desired object is present on the live one, so a field the spec no longer asks for — a removed
 * toleration, node selector, limit, topology spread, pull secret or label — counts as a match
 * and stays on the cluster for ever. Here every create and update stamps the object with
 * {@value #LAST_APPLIED}: a hash of the complete desired object plus the label and annotation
 * keys the operator set. The live object matches only when that stamp equals the desired
 * object's (so any removal or change in the spec is an update) and the live object still holds
 * every desired value (so an edit by someone else is repaired). An update replaces the whole
 * spec (JOSDK's updater) and drops the labels and annotations the operator set before but no
 * longer wants; labels and annotations others put on the object stay.
 *
 * <p>This is the "last applied" bookkeeping of {@code kubectl apply}, kept because the
 * operator runs without server-side apply (the Fabric8 mock server the tests use refuses it,
 * and the path the tests exercise must be the one that runs).
 */
public abstract class OwnedDependent<R extends HasMetadata> extends CRUDKubernetesDependentResource<R, RaftKvCluster> {

    /** Annotation with the stamp: {@code sha256:<hex>;labels=a,b;annotations=c}. */
    public static final String LAST_APPLIED = "raftkv.io/last-applied";

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .build();

    protected OwnedDependent(Class<R> type) {
        super(type);
    }

    @Override
    public Result<R> match(R actual, R desired, RaftKvCluster primary, Context<RaftKvCluster> context) {
        if (!stampOf(desired).equals(annotation(actual))) {
            return Result.nonComputed(false);
        }
        return super.match(actual, stamped(desired, context), primary, context);
    }

    @Override
    public R create(R desired, RaftKvCluster primary, Context<RaftKvCluster> context) {
        return super.create(stamped(desired, context), primary, context);
    }

    @Override
    public R update(R actual, R desired, RaftKvCluster primary, Context<RaftKvCluster> context) {
        R base = context.getClient().getKubernetesSerialization().clone(actual);
        dropNoLongerApplied(base, desired);
        return super.update(base, stamped(desired, context), primary, context);
    }

    /** {@code desired} with the stamp, leaving the argument (JOSDK may cache it) untouched. */
    private R stamped(R desired, Context<RaftKvCluster> context) {
        String stamp = stampOf(desired);
        R copy = context.getClient().getKubernetesSerialization().clone(desired);
        Map<String, String> annotations = copy.getMetadata().getAnnotations() == null
                ? new LinkedHashMap<>()
                : new LinkedHashMap<>(copy.getMetadata().getAnnotations());
        annotations.put(LAST_APPLIED, stamp);
        copy.getMetadata().setAnnotations(annotations);
        return copy;
    }

    /** The stamp of a desired object: hash of everything in it, and the metadata keys it sets. */
    static String stampOf(HasMetadata desired) {
        Map<String, String> labels = orEmpty(desired.getMetadata().getLabels());
        Map<String, String> annotations =
                new HashMap<>(orEmpty(desired.getMetadata().getAnnotations()));
        annotations.remove(LAST_APPLIED);
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> tree = CANONICAL.convertValue(desired, Map.class);
            @SuppressWarnings("unchecked")
            Map<String, Object> metadata = (Map<String, Object>) tree.get("metadata");
            if (metadata != null) {
                metadata.put("annotations", annotations);
            }
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(CANONICAL.writeValueAsBytes(tree));
            return "sha256:" + HexFormat.of().formatHex(digest, 0, 16)
                    + ";labels=" + String.join(",", new TreeSet<>(labels.keySet()))
                    + ";annotations=" + String.join(",", new TreeSet<>(annotations.keySet()));
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot hash the desired " + desired.getKind(), e);
        }
    }

    /**
     * Removes from {@code live} the labels and annotations the last stamp says the operator set
     * and {@code desired} no longer has. Keys others added are left alone.
     */
    static void dropNoLongerApplied(HasMetadata live, HasMetadata desired) {
        String stamp = annotation(live);
        Set<String> labels = keys(stamp, "labels");
        Set<String> annotations = keys(stamp, "annotations");
        labels.removeAll(orEmpty(desired.getMetadata().getLabels()).keySet());
        annotations.removeAll(orEmpty(desired.getMetadata().getAnnotations()).keySet());
        if (live.getMetadata().getLabels() != null) {
            live.getMetadata().getLabels().keySet().removeAll(labels);
        }
        if (live.getMetadata().getAnnotations() != null) {
            live.getMetadata().getAnnotations().keySet().removeAll(annotations);
        }
    }

    private static Set<String> keys(String stamp, String part) {
        Set<String> keys = new TreeSet<>();
        if (stamp == null) {
            return keys;
        }
        for (String section : stamp.split(";")) {
            if (section.startsWith(part + "=") && section.length() > part.length() + 1) {
                keys.addAll(Arrays.asList(section.substring(part.length() + 1).split(",")));
            }
        }
        return keys;
    }

    private static String annotation(HasMetadata object) {
        Map<String, String> annotations = object.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(LAST_APPLIED);
    }

    private static Map<String, String> orEmpty(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }
}
