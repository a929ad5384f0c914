package io.raftkv.raft;

/** Volatile state worth reporting (not persisted): who leads and what this node is. */
public record SoftState(long leader, StateType state) {}
