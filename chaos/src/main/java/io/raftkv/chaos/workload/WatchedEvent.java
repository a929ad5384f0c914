package io.raftkv.chaos.workload;

/**
 * One event a chaos watcher received, as the watch checker needs it.
 *
 * @param revision   the change's revision (the event kv's mod_revision)
 * @param delete     a DELETE (else a PUT)
 * @param key        the key
 * @param value      the value written (null for a delete)
 * @param version    the key's version after a put (0 for a delete)
 * @param prevValue  prev_kv's value, null when the event had no prev_kv (the key did not exist)
 * @param prevModRev prev_kv's mod_revision, 0 without prev_kv
 */
public record WatchedEvent(
        long revision, boolean delete, String key, String value, long version, String prevValue, long prevModRev) {

    /** One line of a {@code watch-N.txt} file. */
    public String line() {
        return revision + " " + (delete ? "DELETE" : "PUT") + " " + key + " " + value + " v" + version + " prev="
                + prevValue + "@" + prevModRev;
    }
}
