package io.raftkv.e2e.proxy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Seeded choices of partition shapes over a list of node ids. Pure functions: the caller passes
 * the random generator, so a chaos run replays from its seed.
 */
public final class Partitions {
    private Partitions() {}

    /** Two sides of sizes floor(n/2) and ceil(n/2), chosen at random. */
    public static List<List<Integer>> randomHalves(List<Integer> nodes, Random random) {
        List<Integer> shuffled = shuffled(nodes, random);
        int half = shuffled.size() / 2;
        return List.of(List.copyOf(shuffled.subList(0, half)), List.copyOf(shuffled.subList(half, shuffled.size())));
    }

    /** A random minority of the largest size that is still a minority: (n - 1) / 2 nodes. */
    public static List<Integer> randomMinority(List<Integer> nodes, Random random) {
        requireAtLeast(nodes, 3, "a minority partition");
        return List.copyOf(shuffled(nodes, random).subList(0, (nodes.size() - 1) / 2));
    }

    /**
     * A bridge shape: element 0 is the bridge node (a singleton list), elements 1 and 2 the two
     * sides that cannot see each other, of sizes floor((n-1)/2) and ceil((n-1)/2). Each side plus
     * the bridge is a majority exactly when n is odd.
     */
    public static List<List<Integer>> randomBridge(List<Integer> nodes, Random random) {
        requireAtLeast(nodes, 3, "a bridge partition");
        List<Integer> shuffled = shuffled(nodes, random);
        int bridge = shuffled.get(0);
        List<Integer> others = shuffled.subList(1, shuffled.size());
        int half = others.size() / 2;
        return List.of(
                List.of(bridge),
                List.copyOf(others.subList(0, half)),
                List.copyOf(others.subList(half, others.size())));
    }

    private static List<Integer> shuffled(List<Integer> nodes, Random random) {
        List<Integer> copy = new ArrayList<>(nodes);
        Collections.shuffle(copy, random);
        return copy;
    }

    private static void requireAtLeast(List<Integer> nodes, int min, String what) {
        if (nodes.size() < min) {
            throw new IllegalArgumentException(what + " needs at least " + min + " nodes, got " + nodes);
        }
    }
}
