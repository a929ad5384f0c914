package io.raftkv.operator.api.v1alpha1;

import java.util.regex.Pattern;

/** The syntax of a Kubernetes resource quantity (what {@code resource.Quantity} accepts). */
public final class Quantities {

    /**
     * The regular expression the CRD puts on every quantity: a signed decimal with a binary
     * ({@code Ki..Ei}), decimal ({@code n u m k M G T P E}) or exponent ({@code e3}) suffix —
     * the same pattern Kubernetes' own tooling writes for {@code resource.Quantity}.
     */
    public static final String PATTERN = "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))"
            + "(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

    private static final Pattern COMPILED = Pattern.compile(PATTERN);

    private Quantities() {}

    /** True when {@code text} is a quantity the API server would accept. */
    public static boolean isQuantity(String text) {
        return text != null && COMPILED.matcher(text).matches();
    }
}
