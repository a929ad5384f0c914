package io.raftkv.node.k8s;

/**
 * Waits. Production code sleeps the thread; tests substitute a recorder so retry loops run
 * without real time passing.
 */
@FunctionalInterface
interface Sleeper {
    Sleeper REAL = Thread::sleep;

    void sleepMs(long ms) throws InterruptedException;
}
