package io.raftkv.node.kv;

import java.util.Objects;

/**
 * One change of one key, as the history keeps it and a watch reports it.
 *
 * @param type        PUT or DELETE
 * @param kv          PUT: the key as written; DELETE: the key with an empty value, {@code modRevision}
 *                    the deletion's revision and 0 in create revision, version and lease (etcd's form)
 * @param subRevision position of the change within its revision (0 for the first)
 */
public record KvEvent(Type type, KeyValue kv, int subRevision) {
    public enum Type {
        PUT,
        DELETE
    }

    public KvEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(kv, "kv");
    }

    public long revision() {
        return kv.modRevision();
    }

    public static KvEvent deletion(byte[] key, long revision, int sub) {
        return new KvEvent(Type.DELETE, new KeyValue(key, new byte[0], 0, revision, 0, 0), sub);
    }
}
