package io.raftkv.node.storage;

import io.raftkv.node.kv.Changes;
import io.raftkv.node.kv.KeyRead;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.KvEvent;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.node.kv.RevisionUnavailableException;
import io.raftkv.node.kv.Revisions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

/**
 * Reads of the state machine at a revision, through one RocksDB snapshot, so that every answer
 * and the revision it reports describe the same state. The current revision is read from the
 * {@code kv_meta} family ({@link KeyMeta}) and the value from the history event it names; an
 * earlier one from the key index and the history ({@link MvccRecords}). Not thread-safe; one
 * per read.
 */
final class HistoryReader {
    private static final byte[] EMPTY = new byte[0];

    /**
     * Where the reads go: the database through a snapshot, or (inside the apply, {@code
     * NestedTxnApplier}) the batch being built over the database.
     */
    interface Source {
        RocksIterator iterator(ColumnFamilyHandle cf, ReadOptions ro);

        byte[] get(ColumnFamilyHandle cf, ReadOptions ro, byte[] key) throws RocksDBException;
    }

    private final Source db;
    private final ColumnFamilyHandle kv;
    private final ColumnFamilyHandle history;
    private final ColumnFamilyHandle keyIndex;
    private final ReadOptions ro;
    private final Revisions revisions;

    /** {@code ro} carries the snapshot every read uses. */
    HistoryReader(
            RocksDB db,
            ColumnFamilyHandle kv,
            ColumnFamilyHandle history,
            ColumnFamilyHandle keyIndex,
            ColumnFamilyHandle meta,
            ReadOptions ro)
            throws RocksDBException {
        this(
                new Source() {
                    @Override
                    public RocksIterator iterator(ColumnFamilyHandle cf, ReadOptions options) {
                        return db.newIterator(cf, options);
                    }

                    @Override
                    public byte[] get(ColumnFamilyHandle cf, ReadOptions options, byte[] key) throws RocksDBException {
                        return db.get(cf, options, key);
                    }
                },
                kv,
                history,
                keyIndex,
                ro,
                storedRevisions(db, meta, ro));
    }

    /** Reads through {@code source}, taking {@code revisions} as the store's revisions. */
    HistoryReader(
            Source source,
            ColumnFamilyHandle kv,
            ColumnFamilyHandle history,
            ColumnFamilyHandle keyIndex,
            ReadOptions ro,
            Revisions revisions) {
        this.db = source;
        this.kv = kv;
        this.history = history;
        this.keyIndex = keyIndex;
        this.ro = ro;
        this.revisions = revisions;
    }

    private static Revisions storedRevisions(RocksDB db, ColumnFamilyHandle meta, ReadOptions ro)
            throws RocksDBException {
        byte[] stored = db.get(meta, ro, MvccRecords.REVISIONS_KEY);
        return stored == null ? Revisions.INITIAL : MvccRecords.decodeRevisions(stored);
    }

    Revisions revisions() {
        return revisions;
    }

    /** {@code requested} or, for 0, the current revision; refused when compacted or in the future. */
    long resolve(long requested) {
        if (requested == 0) {
            return revisions.current();
        }
        if (requested > revisions.current()) {
            throw RevisionUnavailableException.future(requested, revisions);
        }
        if (requested < revisions.compacted()) {
            throw RevisionUnavailableException.compacted(requested, revisions);
        }
        return requested;
    }

    /** The key at {@code revision} (0: current). */
    KeyRead get(byte[] key, long requested) throws RocksDBException {
        long revision = resolve(requested);
        if (revision == revisions.current()) {
            byte[] stored = db.get(kv, ro, key);
            return new KeyRead(
                    stored == null ? Optional.empty() : Optional.of(withValue(KeyMeta.decode(key, stored))), revision);
        }
        try (RocksIterator probe = db.iterator(keyIndex, ro)) {
            return new KeyRead(
                    Optional.ofNullable(versionAt(probe, key, MvccRecords.indexKeyAfter(key, revision))), revision);
        }
    }

    /**
     * The key's latest version at or before the index position {@code bound} (an index key),
     * null if none or a deletion.
     */
    private KeyValue versionAt(RocksIterator probe, byte[] key, byte[] bound) throws RocksDBException {
        probe.seekForPrev(bound);
        if (!probe.isValid()) {
            probe.status();
            return null;
        }
        byte[] indexKey = probe.key();
        byte[] prefix = MvccRecords.indexPrefix(key);
        if (indexKey.length != prefix.length + MvccRecords.REV_KEY_BYTES
                || !Arrays.equals(indexKey, 0, prefix.length, prefix, 0, prefix.length)) {
            return null;
        }
        KvEvent e = event(MvccRecords.revisionOfIndex(indexKey), MvccRecords.subOfIndex(indexKey));
        return e.type() == KvEvent.Type.PUT ? e.kv() : null;
    }

    /** The live key {@code meta} describes, its value read from the history. */
    private KeyValue withValue(KeyMeta meta) throws RocksDBException {
        return meta.withValueFrom(db.get(history, ro, meta.revKey()));
    }

    private KvEvent event(long revision, int sub) throws RocksDBException {
        byte[] revKey = MvccRecords.revKey(revision, sub);
        byte[] stored = db.get(history, ro, revKey);
        if (stored == null) {
            throw new CorruptRecordException(
                    "the key index names revision " + revision + "." + sub + ", which the history does not hold");
        }
        return MvccRecords.decodeEvent(revKey, stored);
    }

    /** See {@link io.raftkv.node.kv.KvReader#mvccHash}. */
    KvReader.MvccHash mvccHash(long requested) throws RocksDBException {
        if (requested > revisions.current()) {
            throw RevisionUnavailableException.future(requested, revisions);
        }
        if (requested != 0 && requested <= revisions.compacted()) {
            throw RevisionUnavailableException.compacted(requested, revisions);
        }
        long revision = requested == 0 ? revisions.current() : requested;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        try (Slice upper = new Slice(MvccRecords.revKey(revision + 1, 0));
                ReadOptions bounded = boundedCopy(upper);
                RocksIterator it = db.iterator(history, bounded);
                RocksIterator probe = db.iterator(keyIndex, ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] revKey = it.key();
                byte[] stored = it.value();
                KvEvent e = MvccRecords.decodeEvent(revKey, stored);
                if (e.revision() <= revisions.compacted() && !visibleAtCompaction(probe, e)) {
                    continue;
                }
                crc.update(revKey);
                crc.update(stored);
            }
            it.status();
        }
        return new KvReader.MvccHash((int) crc.getValue(), revision, revisions.compacted());
    }

    /** Whether a read at the compact revision still sees {@code e}: the key's latest version then, a put. */
    private boolean visibleAtCompaction(RocksIterator probe, KvEvent e) throws RocksDBException {
        if (e.type() != KvEvent.Type.PUT) {
            return false;
        }
        byte[] key = e.kv().key();
        probe.seekForPrev(MvccRecords.indexKeyAfter(key, revisions.compacted()));
        if (!probe.isValid()) {
            probe.status();
            return false;
        }
        byte[] indexKey = probe.key();
        return Arrays.equals(indexKey, MvccRecords.indexKey(key, e.revision(), e.subRevision()));
    }

    /**
     * The version of {@code key} before change {@code sub} of {@code revision} (a watch's
     * {@code prev_kv}); null if the key did not exist then.
     */
    KeyValue previous(byte[] key, long revision, int sub) throws RocksDBException {
        byte[] before =
                sub > 0 ? MvccRecords.indexKey(key, revision, sub - 1) : MvccRecords.indexKeyAfter(key, revision - 1);
        try (RocksIterator probe = db.iterator(keyIndex, ro)) {
            return versionAt(probe, key, before);
        }
    }

    /**
     * Keys in {@code [start, end)} at {@code requested} (0: current), at most {@code limit} and
     * {@code maxBytes} (the first key always), counting every key of the range.
     */
    RangeResult range(
            byte[] start, byte[] end, long requested, int limit, long maxBytes, boolean keysOnly, boolean countOnly)
            throws RocksDBException {
        return range(start, end, requested, limit, maxBytes, keysOnly, countOnly, Long.MAX_VALUE);
    }

    /**
     * As above, but stops after counting {@code maxCount} keys: a range holding more answers null.
     * The bounds are checked here too, since a batch's iterator may not honour the upper bound.
     */
    RangeResult range(
            byte[] start,
            byte[] end,
            long requested,
            int limit,
            long maxBytes,
            boolean keysOnly,
            boolean countOnly,
            long maxCount)
            throws RocksDBException {
        long revision = resolve(requested);
        Page page = new Page(limit, maxBytes, keysOnly, countOnly);
        if (revision == revisions.current()) {
            try (Slice upper = end == null ? null : new Slice(end);
                    ReadOptions bounded = boundedCopy(upper);
                    RocksIterator it = db.iterator(kv, bounded)) {
                for (it.seek(start); it.isValid(); it.next()) {
                    if (end != null && Arrays.compareUnsigned(it.key(), end) >= 0) {
                        break;
                    }
                    if (page.count == maxCount) {
                        return null;
                    }
                    page.offer(KeyMeta.decode(it.key(), it.value()), null);
                }
                it.status();
            }
        } else {
            byte[] upperBound = end == null ? null : MvccRecords.indexBound(end);
            try (Slice upper = upperBound == null ? null : new Slice(upperBound);
                    ReadOptions bounded = boundedCopy(upper);
                    RocksIterator scan = db.iterator(keyIndex, bounded);
                    RocksIterator probe = db.iterator(keyIndex, ro)) {
                scan.seek(MvccRecords.indexBound(start));
                while (scan.isValid()) {
                    if (upperBound != null && Arrays.compareUnsigned(scan.key(), upperBound) >= 0) {
                        break;
                    }
                    byte[] key = MvccRecords.keyOfIndex(scan.key());
                    KeyValue at = versionAt(probe, key, MvccRecords.indexKeyAfter(key, revision));
                    if (at != null) {
                        if (page.count == maxCount) {
                            return null;
                        }
                        page.offer(null, at);
                    }
                    scan.seek(MvccRecords.indexKey(key, -1L, -1));
                }
                scan.status();
            }
        }
        return new RangeResult(page.out, page.more, revision, page.count);
    }

    private ReadOptions boundedCopy(Slice upper) {
        ReadOptions copy = new ReadOptions(ro);
        if (upper != null) {
            copy.setIterateUpperBound(upper);
        }
        return copy;
    }

    /** Collects a page and counts the range. */
    private final class Page {
        private final int limit;
        private final long maxBytes;
        private final boolean keysOnly;
        private final boolean countOnly;
        final List<KeyValue> out = new ArrayList<>();
        boolean more;
        long count;
        private long bytes;

        Page(int limit, long maxBytes, boolean keysOnly, boolean countOnly) {
            this.limit = limit;
            this.maxBytes = maxBytes;
            this.keysOnly = keysOnly;
            this.countOnly = countOnly;
        }

        /**
         * One key of the range: its live record (the value is read only if the page keeps it), or
         * the decoded key-value.
         */
        void offer(KeyMeta meta, KeyValue decoded) throws RocksDBException {
            count++;
            if (countOnly || more) {
                return;
            }
            if (out.size() == limit) {
                more = true;
                return;
            }
            KeyValue kv = decoded != null ? decoded : keysOnly ? meta.withoutValue() : withValue(meta);
            long size = kv.key().length + (keysOnly ? 0 : kv.value().length);
            if (!out.isEmpty() && bytes + size > maxBytes) {
                more = true;
                return;
            }
            bytes += size;
            out.add(keysOnly ? kv.withoutValue() : kv);
        }
    }

    /**
     * Changes with revisions from {@code fromRevision} up to the snapshot's revision, in order, at
     * most {@code maxEvents} and (past the first revision's) {@code maxBytes}, never splitting a
     * revision; empty when there are none yet. {@link Changes#upTo()} is the last revision covered.
     */
    Changes changes(long fromRevision, int maxEvents, long maxBytes) throws RocksDBException {
        if (fromRevision < revisions.compacted()) {
            throw RevisionUnavailableException.compacted(fromRevision, revisions);
        }
        List<KvEvent> out = new ArrayList<>();
        if (fromRevision > revisions.current()) {
            return new Changes(out, revisions.current());
        }
        boolean cut = false;
        long bytes = 0;
        try (Slice upper = new Slice(MvccRecords.revKey(revisions.current() + 1, 0));
                ReadOptions bounded = boundedCopy(upper);
                RocksIterator it = db.iterator(history, bounded)) {
            long lastRevision = -1;
            for (it.seek(MvccRecords.revKey(fromRevision, 0)); it.isValid(); it.next()) {
                KvEvent e = MvccRecords.decodeEvent(it.key(), it.value());
                if (e.revision() != lastRevision && (out.size() >= maxEvents || bytes >= maxBytes) && !out.isEmpty()) {
                    cut = true;
                    break;
                }
                lastRevision = e.revision();
                out.add(e);
                bytes += e.kv().key().length + e.kv().value().length;
            }
            it.status();
        }
        return new Changes(out, cut ? out.get(out.size() - 1).revision() : revisions.current());
    }
}
