package io.raftkv.e2e.faults;

/** SIGKILL a random node, leader or not; restart it on heal. */
public final class KillRandom extends KillAndRestart {
    public KillRandom() {
        super("kill-random", NodeFaults::randomNode);
    }
}
