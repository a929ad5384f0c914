package io.raftkv.e2e.faults;

import io.raftkv.e2e.proxy.Link;
import io.raftkv.e2e.proxy.LinkBehavior;
import io.raftkv.e2e.proxy.PeerNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fake cluster for fault tests: no processes, a map for the network, a settable leader, and a
 * log of every action ("kill 2", "transfer 3", ...). Thread-safe enough for the storm's thread.
 */
final class RecordingCluster implements ClusterControl {
    final List<String> actions = new CopyOnWriteArrayList<>();
    private final List<Integer> nodes = new CopyOnWriteArrayList<>();
    private final Set<Integer> stopped = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final MapNetwork network = new MapNetwork();
    private final Random random;
    private volatile int leader;
    private int nextId;

    RecordingCluster(int size, long seed) {
        for (int id = 1; id <= size; id++) {
            nodes.add(id);
        }
        nextId = size + 1;
        leader = 1;
        random = new Random(seed);
    }

    void setLeader(int node) {
        leader = node;
    }

    @Override
    public List<Integer> nodeIds() {
        return List.copyOf(nodes);
    }

    @Override
    public OptionalInt leader() {
        return leader == 0 ? OptionalInt.empty() : OptionalInt.of(leader);
    }

    @Override
    public int awaitLeader(Duration timeout) {
        return leader().orElseThrow(() -> new IllegalStateException("no leader within " + timeout));
    }

    @Override
    public boolean isRunning(int node) {
        return nodes.contains(node) && !stopped.contains(node);
    }

    @Override
    public void kill(int node) {
        actions.add("kill " + node);
        stopped.add(node);
    }

    @Override
    public void restart(int node) {
        actions.add("restart " + node);
        stopped.remove(node);
    }

    @Override
    public void pause(int node) {
        actions.add("pause " + node);
        stopped.add(node);
    }

    @Override
    public void resume(int node) {
        actions.add("resume " + node);
        stopped.remove(node);
    }

    @Override
    public PeerNetwork network() {
        return network;
    }

    @Override
    public Random random() {
        return random;
    }

    @Override
    public Duration electionTimeout() {
        return Duration.ofMillis(300);
    }

    @Override
    public synchronized int addMember() {
        int id = nextId++;
        nodes.add(id);
        actions.add("add " + id);
        return id;
    }

    @Override
    public void removeMember(int node) {
        if (node == leader) {
            throw new IllegalStateException("test fake: removing the leader is not expected here");
        }
        nodes.remove(Integer.valueOf(node));
        actions.add("remove " + node);
    }

    @Override
    public void transferLeadership(int to, Duration timeout) {
        if (to == leader) {
            throw new IllegalStateException("transfer to the leader itself");
        }
        actions.add("transfer " + to);
        leader = to;
    }

    /** Behaviour per link in a map; unset links pass. */
    final class MapNetwork implements PeerNetwork {
        private final Map<Link, LinkBehavior> links = new HashMap<>();

        @Override
        public List<Integer> nodeIds() {
            return RecordingCluster.this.nodeIds();
        }

        @Override
        public synchronized void setBehavior(Link link, LinkBehavior behavior) {
            links.put(link, behavior);
        }

        @Override
        public synchronized LinkBehavior behavior(Link link) {
            return links.getOrDefault(link, LinkBehavior.PASS);
        }

        /** Connected components when only links open in both directions count. */
        Set<Set<Integer>> components() {
            Set<Set<Integer>> result = new HashSet<>();
            Set<Integer> seen = new HashSet<>();
            for (int start : nodeIds()) {
                if (seen.add(start)) {
                    Set<Integer> component = new HashSet<>(List.of(start));
                    List<Integer> frontier = new ArrayList<>(List.of(start));
                    while (!frontier.isEmpty()) {
                        int n = frontier.remove(frontier.size() - 1);
                        for (int m : reachableFrom(n)) {
                            if (reachableFrom(m).contains(n) && seen.add(m)) {
                                component.add(m);
                                frontier.add(m);
                            }
                        }
                    }
                    result.add(component);
                }
            }
            return result;
        }
    }
}
