package io.raftkv.node.kv;

import java.util.Optional;

/**
 * One key as of one revision.
 *
 * @param kv       the key, empty when it did not exist at {@code revision}
 * @param revision the store revision the read reflects
 */
public record KeyRead(Optional<KeyValue> kv, long revision) {}
