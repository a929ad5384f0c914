package io.raftkv.e2e.faults;

/** SIGKILL the current leader; restart it on heal. */
public final class KillLeader extends KillAndRestart {
    public KillLeader() {
        super("kill-leader", NodeFaults::leader);
    }
}
