package io.raftkv.raft.arch;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.PackageMatcher;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One module's package rules, checked on its compiled main classes with ArchUnit: a table of which
 * {@code io.raftkv} packages each hand-written package may depend on, and the dependencies that break
 * the table today, frozen one by one with the way to retire each. {@link #check()} fails when
 *
 * <ul>
 *   <li>a class depends on an {@code io.raftkv} package its row does not allow and no frozen
 *       exception covers (a new violation);
 *   <li>a frozen exception is no longer used (it was retired: delete it, so it cannot come back);
 *   <li>a package under {@code src/main/java} has no row, or no {@code package-info.java}; or a row
 *       names a package that no longer exists;
 *   <li>the rows themselves (frozen exceptions aside) make a cycle between the module's packages.
 * </ul>
 *
 * <p>Only dependencies on {@code io.raftkv} classes are judged; libraries are the poms' business.
 * Packages outside this module's {@code src/main/java} (other modules, generated stubs) get no row.
 * Used by each module's {@code *ArchitectureTest}; it lives in raft's test jar because every module
 * with rules already depends on raft (it moves to the test kit of issue 25 item 3 when that exists).
 */
public final class PackageRules {
    private static final String PROJECT = "io.raftkv.";

    private final String testName;
    private final JavaClasses classes;
    private final Set<String> sourcePackages;
    private final Map<String, List<String>> rows = new LinkedHashMap<>();
    private final List<Frozen> frozen = new ArrayList<>();

    /** A dependency that breaks the table today, kept until {@code retire} is done. */
    public record Frozen(String fromPackage, String targetClass, String retire) {
        boolean covers(String from, JavaClass target) {
            String name = target.getName();
            return from.equals(fromPackage) && (name.equals(targetClass) || name.startsWith(targetClass + "$"));
        }
    }

    private PackageRules(String testName, Class<?> anyMainClass, Path sourceRoot) {
        this.testName = testName;
        // Judging a dependency needs only its target's name: do not read the targets' class files
        // from the class path (that costs seconds, and most targets are libraries).
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
        // Exactly this module's main classes: the directory (or jar) the given class was loaded from.
        this.classes = new ClassFileImporter()
                .importUrl(anyMainClass.getProtectionDomain().getCodeSource().getLocation());
        this.sourcePackages = sourcePackages(sourceRoot);
    }

    /**
     * The rules of the module whose tests run in the current directory (Surefire runs them in the
     * module's base directory).
     *
     * @param testName the test class that holds the table, named in every failure message
     * @param anyMainClass a main class of the module: its classes are imported from where it was loaded
     */
    public static PackageRules of(String testName, Class<?> anyMainClass) {
        return new PackageRules(testName, anyMainClass, Path.of("src", "main", "java"));
    }

    /** The imported main classes, for module-specific rules beside the table. */
    public JavaClasses classes() {
        return classes;
    }

    /**
     * A row: classes of {@code pkg} may depend on their own package and on those matching
     * {@code mayDependOn} (exact names, or ArchUnit patterns such as {@code io.raftkv.api..}).
     */
    public PackageRules allow(String pkg, String... mayDependOn) {
        if (rows.put(pkg, List.of(mayDependOn)) != null) {
            throw new IllegalArgumentException("two rows for " + pkg);
        }
        return this;
    }

    /** A frozen exception: classes of {@code fromPackage} may still use {@code target} until {@code retire}. */
    public PackageRules freeze(String fromPackage, Class<?> target, String retire) {
        frozen.add(new Frozen(fromPackage, target.getName(), retire));
        return this;
    }

    /** Runs every check; the failure names the test class whose table to read or change. */
    public void check() {
        List<String> problems = new ArrayList<>();
        for (String pkg : sourcePackages) {
            if (!rows.containsKey(pkg)) {
                problems.add("package " + pkg + " has no row: add `.allow(\"" + pkg + "\", ...)` to " + testName
                        + " with the packages it may depend on, and say the same in its package-info.java");
            }
            if (!Files.exists(Path.of("src", "main", "java", pkg.replace('.', '/'), "package-info.java"))) {
                problems.add("package " + pkg + " has no package-info.java saying what lives there and what it may"
                        + " depend on");
            }
        }
        for (String pkg : rows.keySet()) {
            if (!sourcePackages.contains(pkg)) {
                problems.add("row for " + pkg + " in " + testName + ": no such package under src/main/java any more;"
                        + " delete the row");
            }
        }
        for (Frozen f : frozen) {
            if (!used(f)) {
                problems.add("frozen exception " + f.fromPackage() + " -> " + f.targetClass() + " is no longer used (it"
                        + " was retired: " + f.retire() + "): delete it from " + testName
                        + " so the dependency cannot come back");
            }
        }
        cycle().ifPresent(c -> problems.add("the rows of " + testName + " make a cycle " + c
                + ": packages that depend on each other are one package, or one of them needs a smaller contract"));
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
        ArchRuleDefinition.classes()
                .that(inAPackageWithARow())
                .should(dependOnlyOnAllowedPackages())
                .because("each package may depend only on what its row in " + testName + " allows (frozen"
                        + " exceptions are for debts that already exist, not for new ones)")
                .check(classes);
    }

    private boolean used(Frozen f) {
        return classes.stream()
                .filter(c -> c.getPackageName().equals(f.fromPackage()))
                .flatMap(c -> c.getDirectDependenciesFromSelf().stream())
                .anyMatch(d -> f.covers(f.fromPackage(), target(d)) && !allowed(f.fromPackage(), target(d)));
    }

    private DescribedPredicate<JavaClass> inAPackageWithARow() {
        return DescribedPredicate.describe("are in a package with a row", c -> rows.containsKey(c.getPackageName()));
    }

    private ArchCondition<JavaClass> dependOnlyOnAllowedPackages() {
        return new ArchCondition<>("depend only on the io.raftkv packages their row allows") {
            @Override
            public void check(JavaClass origin, ConditionEvents events) {
                String from = origin.getPackageName();
                for (Dependency d : origin.getDirectDependenciesFromSelf()) {
                    JavaClass target = target(d);
                    if (allowed(from, target) || frozen.stream().anyMatch(f -> f.covers(from, target))) {
                        continue;
                    }
                    events.add(SimpleConditionEvent.violated(
                            d, d.getDescription() + ": " + from + " may depend on " + rows.get(from) + " only"));
                }
            }
        };
    }

    private boolean allowed(String from, JavaClass target) {
        String to = target.getPackageName();
        return !to.startsWith(PROJECT)
                || to.equals(from)
                || rows.getOrDefault(from, List.of()).stream()
                        .anyMatch(p -> PackageMatcher.of(p).matches(to));
    }

    private static JavaClass target(Dependency d) {
        return d.getTargetClass().getBaseComponentType();
    }

    /** A cycle among the module's own packages through the rows' exact names, if there is one. */
    private Optional<String> cycle() {
        Map<String, List<String>> edges = rows.entrySet().stream()
                .collect(Collectors.toMap(
                        Map.Entry::getKey,
                        e -> e.getValue().stream().filter(rows::containsKey).toList()));
        for (String start : edges.keySet()) {
            List<String> path = new ArrayList<>(List.of(start));
            if (reaches(start, start, edges, path, new TreeSet<>())) {
                return Optional.of(String.join(" -> ", path));
            }
        }
        return Optional.empty();
    }

    private static boolean reaches(
            String goal, String at, Map<String, List<String>> edges, List<String> path, Set<String> seen) {
        for (String next : edges.get(at)) {
            path.add(next);
            if (next.equals(goal) || (seen.add(next) && reaches(goal, next, edges, path, seen))) {
                return true;
            }
            path.remove(path.size() - 1);
        }
        return false;
    }

    private static Set<String> sourcePackages(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException(root.toAbsolutePath() + " is not a directory: run from the module's base");
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.getFileName().toString().equals("package-info.java"))
                    .map(p -> root.relativize(p.getParent()).toString().replace('/', '.'))
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
