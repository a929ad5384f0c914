package io.raftkv.node.security;

import java.util.Locale;

/**
 * What a client may do, each role including the one before it: {@code read} (Get, Range, Status,
 * MemberList), {@code write} (plus Put, Delete, CompareAndSet, Txn) and {@code admin} (plus
 * AddLearner, PromoteMember, RemoveMember, TransferLeadership and Snapshot).
 */
public enum Role {
    READ,
    WRITE,
    ADMIN;

    /** Whether holding this role allows what {@code needed} allows. */
    public boolean includes(Role needed) {
        return compareTo(needed) >= 0;
    }

    /** The name used in files and messages: read, write, admin. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses read, write or admin (any case). */
    public static Role parse(String text) {
        for (Role r : values()) {
            if (r.label().equalsIgnoreCase(text.trim())) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + text + "' (read, write or admin)");
    }
}
