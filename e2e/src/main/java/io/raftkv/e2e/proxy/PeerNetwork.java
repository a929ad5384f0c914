package io.raftkv.e2e.proxy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The peer links of a cluster, one behaviour per directed link, with the partition shapes chaos
 * tests use built on top. {@link ProxyMesh} implements it with real proxies; tests of fault logic
 * can use a map.
 *
 * <p>Partitions are symmetric (both directions of a crossing link are cut) and replace the
 * previous topology: links inside a component are reset to {@link LinkBehavior#PASS}.
 */
public interface PeerNetwork {
    /** The node ids, in a stable order. */
    List<Integer> nodeIds();

    void setBehavior(Link link, LinkBehavior behavior);

    LinkBehavior behavior(Link link);

    /** Every directed link between two different nodes. */
    default List<Link> links() {
        List<Link> links = new ArrayList<>();
        for (int from : nodeIds()) {
            for (int to : nodeIds()) {
                if (from != to) {
                    links.add(new Link(from, to));
                }
            }
        }
        return links;
    }

    /** Every link passes again. */
    default void heal() {
        setAll(LinkBehavior.PASS);
    }

    default void setAll(LinkBehavior behavior) {
        for (Link link : links()) {
            setBehavior(link, behavior);
        }
    }

    /**
     * Splits the nodes into components: links between components are cut with {@code cut}
     * (e.g. {@link LinkBehavior#cut()} or {@link LinkBehavior#blackhole()}), links within pass.
     * Nodes listed in no component form one more component together.
     */
    default void partition(Collection<? extends Collection<Integer>> components, LinkBehavior cut) {
        List<Set<Integer>> sides = new ArrayList<>();
        Set<Integer> rest = new HashSet<>(nodeIds());
        for (Collection<Integer> component : components) {
            Set<Integer> side = new HashSet<>(component);
            for (int node : side) {
                if (!rest.remove(node)) {
                    throw new IllegalArgumentException(
                            "node " + node + " is unknown or in two components: " + components);
                }
            }
            sides.add(side);
        }
        if (!rest.isEmpty()) {
            sides.add(rest);
        }
        for (Link link : links()) {
            boolean together = sides.stream().anyMatch(s -> s.contains(link.from()) && s.contains(link.to()));
            setBehavior(link, together ? LinkBehavior.PASS : cut);
        }
    }

    /** Cuts {@code node} off from every other node (both directions). */
    default void isolate(int node, LinkBehavior cut) {
        partition(List.of(List.of(node)), cut);
    }

    /**
     * Overlapping majorities: {@code bridge} talks to everyone, while {@code left} and
     * {@code right} (the other nodes, split in two) cannot reach each other. Each side plus the
     * bridge may be a majority, so two leaders can be elected in the same moment only if the
     * implementation is wrong.
     */
    default void bridge(int bridge, Collection<Integer> left, Collection<Integer> right, LinkBehavior cut) {
        Set<Integer> l = new HashSet<>(left);
        Set<Integer> r = new HashSet<>(right);
        Set<Integer> all = new HashSet<>(l);
        all.addAll(r);
        all.add(bridge);
        if (l.contains(bridge)
                || r.contains(bridge)
                || l.stream().anyMatch(r::contains)
                || all.size() != nodeIds().size()
                || !all.containsAll(nodeIds())) {
            throw new IllegalArgumentException("bridge " + bridge + ", " + left + " and " + right
                    + " must split the nodes " + nodeIds() + " without overlap");
        }
        for (Link link : links()) {
            boolean crossing = (l.contains(link.from()) && r.contains(link.to()))
                    || (r.contains(link.from()) && l.contains(link.to()));
            setBehavior(link, crossing ? cut : LinkBehavior.PASS);
        }
    }

    /** Nodes that {@code from} can currently send to (links that are open). */
    default Set<Integer> reachableFrom(int from) {
        Set<Integer> reachable = new HashSet<>();
        for (int to : nodeIds()) {
            if (to != from && behavior(new Link(from, to)).isOpen()) {
                reachable.add(to);
            }
        }
        return reachable;
    }
}
