package io.raftkv.raft;

import java.util.Map;

/**
 * A snapshot of the core's state for reporting (never for decisions).
 *
 * @param id               this node
 * @param hardState        term, vote, commit
 * @param softState        leader and role
 * @param applied          applied index the core knows of
 * @param confState        current configuration
 * @param progress         per-member replication state; empty unless leader
 * @param leadTransferee   target of a transfer in progress, or {@link Raft#NONE}
 */
public record Status(
        long id,
        HardState hardState,
        SoftState softState,
        long applied,
        ConfState confState,
        Map<Long, FollowerProgress> progress,
        long leadTransferee) {}
