package io.raftkv.bench.workload;

/**
 * One operation to issue. {@code key} is freshly allocated and owned by the operation; the value
 * of a PUT is the workload's shared {@link Workload#value()}.
 */
public record Operation(OperationKind kind, byte[] key) {}
