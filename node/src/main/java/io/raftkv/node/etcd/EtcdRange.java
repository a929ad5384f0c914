package io.raftkv.node.etcd;

import com.google.protobuf.ByteString;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.node.kv.KeyRead;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.node.server.ServerLimits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * etcd's Range semantics over RaftKV's reader, as etcd's {@code applierV3.Range} defines them:
 * {@code [key, range_end)} with {@code range_end = "\0"} meaning "to the end" and an empty
 * {@code range_end} meaning the one key; {@code count} is always the number of keys in the range
 * (before filters and limit); the min/max create/mod revision filters prune; a sort other than
 * ascending by key sorts all matches (ascending by default when the target is not KEY) and the
 * limit is applied last, {@code more} telling that it cut the list. Every answer is read at one
 * revision (the request's, or the current one) and says which.
 *
 * <p>Bounds: what one answer holds is bounded by {@link ServerLimits#maxRangeLimit()} keys and
 * {@link ServerLimits#maxRangeResponseBytes()} bytes. etcd has no such bound, so rather than
 * return a shortened list that a client would take for the whole range, a range over the bounds
 * without a {@code limit} that fits is refused (RESOURCE_EXHAUSTED, naming the limit); the count
 * covers the whole range, however many keys it holds.
 */
final class EtcdRange {
    /** The answer: the page, the count in the range and whether the limit cut it. */
    record Result(List<KeyValue> kvs, long count, boolean more, long revision) {}

    /** A validated request's bounds. */
    record Bounds(byte[] start, byte[] endOrNull, boolean singleKey) {}

    private final KvReader reader;
    private final ServerLimits limits;

    EtcdRange(KvReader reader, ServerLimits limits) {
        this.reader = reader;
        this.limits = limits;
    }

    /** The key interval etcd means by {@code key} and {@code range_end}; EMPTY_KEY without a key. */
    static Bounds bounds(ByteString key, ByteString rangeEnd) {
        if (key.isEmpty()) {
            throw EtcdErrors.EMPTY_KEY;
        }
        byte[] start = key.toByteArray();
        if (rangeEnd.isEmpty()) {
            return new Bounds(start, null, true);
        }
        if (rangeEnd.size() == 1 && rangeEnd.byteAt(0) == 0) {
            return new Bounds(start, null, false);
        }
        return new Bounds(start, rangeEnd.toByteArray(), false);
    }

    /** Whether {@code key} lies in {@code b}. */
    static boolean contains(Bounds b, byte[] key) {
        if (b.singleKey()) {
            return Arrays.equals(b.start(), key);
        }
        return Arrays.compareUnsigned(key, b.start()) >= 0
                && (b.endOrNull() == null || Arrays.compareUnsigned(key, b.endOrNull()) < 0);
    }

    /** Whether the two intervals share a key. */
    static boolean overlap(Bounds a, Bounds b) {
        byte[] aEnd = a.singleKey() ? successor(a.start()) : a.endOrNull();
        byte[] bEnd = b.singleKey() ? successor(b.start()) : b.endOrNull();
        boolean aBeforeB = aEnd != null && Arrays.compareUnsigned(aEnd, b.start()) <= 0;
        boolean bBeforeA = bEnd != null && Arrays.compareUnsigned(bEnd, a.start()) <= 0;
        return !aBeforeB && !bBeforeA;
    }

    static byte[] successor(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    /**
     * Reads the range now, at {@code revision} (0: the current one), from one consistent state
     * (blocking: call it on the read pool, after the read barrier). A compacted or future revision
     * throws the state machine's {@code RevisionUnavailableException} ({@link EtcdErrors#of} maps it).
     */
    Result read(RangeRequest r) {
        Bounds b = bounds(r.getKey(), r.getRangeEnd());
        long limit = r.getLimit();
        if (limit < 0) {
            throw EtcdErrors.invalid("etcdserver: limit must not be negative, got " + limit);
        }
        long rev = r.getRevision();
        boolean filtered = r.getMinModRevision() != 0
                || r.getMaxModRevision() != 0
                || r.getMinCreateRevision() != 0
                || r.getMaxCreateRevision() != 0;
        RangeRequest.SortOrder order = r.getSortOrder();
        RangeRequest.SortTarget target = r.getSortTarget();
        if (order == RangeRequest.SortOrder.UNRECOGNIZED || target == RangeRequest.SortTarget.UNRECOGNIZED) {
            throw EtcdErrors.invalid("etcdserver: unknown sort order or target");
        }
        if (target != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
            order = RangeRequest.SortOrder.ASCEND;
        }
        boolean sorted = order == RangeRequest.SortOrder.DESCEND
                || (order == RangeRequest.SortOrder.ASCEND && target != RangeRequest.SortTarget.KEY);
        boolean keysOnly = r.getKeysOnly() && !(sorted && target == RangeRequest.SortTarget.VALUE);

        if (b.singleKey()) {
            KeyRead read = reader.get(b.start(), rev);
            Optional<KeyValue> kv = read.kv();
            List<KeyValue> kvs = kv.filter(x -> keep(r, x)).map(List::of).orElse(List.of());
            return new Result(r.getCountOnly() ? List.of() : kvs, kv.isPresent() ? 1 : 0, false, read.revision());
        }
        if (r.getCountOnly()) {
            RangeResult counted =
                    reader.range(b.start(), b.endOrNull(), rev, 1, limits.maxRangeResponseBytes(), true, true);
            return new Result(List.of(), counted.count(), false, counted.revision());
        }
        if (!sorted && !filtered) {
            int want = limit == 0 || limit > limits.maxRangeLimit() ? limits.maxRangeLimit() : (int) limit;
            RangeResult page =
                    reader.range(b.start(), b.endOrNull(), rev, want, limits.maxRangeResponseBytes(), keysOnly, false);
            List<KeyValue> kvs = page.keyValues();
            if (page.more() && !(limit > 0 && kvs.size() == limit)) {
                throw tooLarge(limit);
            }
            return new Result(kvs, page.count(), page.count() > kvs.size(), page.revision());
        }
        RangeResult all = reader.range(
                b.start(), b.endOrNull(), rev, limits.maxRangeLimit(), limits.maxRangeResponseBytes(), keysOnly, false);
        if (all.more()) {
            throw EtcdErrors.unsupported("a sorted or revision-filtered Range over more than "
                    + limits.maxRangeLimit() + " keys or " + limits.maxRangeResponseBytes()
                    + " bytes (maxRangeLimit, maxRangeResponseBytes)");
        }
        List<KeyValue> kept = new ArrayList<>(all.keyValues().size());
        for (KeyValue kv : all.keyValues()) {
            if (keep(r, kv)) {
                kept.add(kv);
            }
        }
        if (sorted) {
            Comparator<KeyValue> c = comparator(target);
            kept.sort(order == RangeRequest.SortOrder.DESCEND ? c.reversed() : c);
        }
        boolean more = false;
        if (limit > 0 && kept.size() > limit) {
            kept = kept.subList(0, (int) limit);
            more = true;
        }
        return new Result(kept, all.count(), more, all.revision());
    }

    private io.raftkv.api.RaftKvException tooLarge(long limit) {
        return io.raftkv.api.RaftKvException.of(
                io.vertx.grpc.common.GrpcStatus.RESOURCE_EXHAUSTED,
                "etcdserver: range response would hold more than " + limits.maxRangeLimit() + " keys or "
                        + limits.maxRangeResponseBytes() + " bytes (maxRangeLimit, maxRangeResponseBytes)"
                        + (limit == 0 ? "; page through it with limit" : "; ask for a smaller limit"));
    }

    private static boolean keep(RangeRequest r, KeyValue kv) {
        return !(r.getMaxModRevision() != 0 && kv.modRevision() > r.getMaxModRevision())
                && !(r.getMinModRevision() != 0 && kv.modRevision() < r.getMinModRevision())
                && !(r.getMaxCreateRevision() != 0 && kv.createRevision() > r.getMaxCreateRevision())
                && !(r.getMinCreateRevision() != 0 && kv.createRevision() < r.getMinCreateRevision());
    }

    /** Stable sorts: ties keep ascending key order (etcd's sort leaves ties in no defined order). */
    private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
        return switch (target) {
            case KEY, UNRECOGNIZED -> (x, y) -> Arrays.compareUnsigned(x.key(), y.key());
            case VERSION -> Comparator.comparingLong(KeyValue::version);
            case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
            case MOD -> Comparator.comparingLong(KeyValue::modRevision);
            case VALUE -> (x, y) -> Arrays.compareUnsigned(x.value(), y.value());
        };
    }
}
