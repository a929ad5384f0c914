package io.raftkv.raft;

/** What an entry's payload means to the core. */
public enum EntryType {
    /** Opaque application command (empty data = the leader's no-op at the start of its term). */
    NORMAL,
    /** An encoded {@link ConfChange}; the core interprets it when the driver applies it. */
    CONF_CHANGE
}
