package io.raftkv.bench.workload;

/** What one benchmark operation does; reads use the workload's {@code ReadMode}. */
public enum OperationKind {
    PUT,
    GET
}
