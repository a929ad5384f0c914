package io.raftkv.e2e.faults;

/** SIGKILL a random follower; restart it on heal. */
public final class KillFollower extends KillAndRestart {
    public KillFollower() {
        super("kill-follower", NodeFaults::randomFollower);
    }
}
