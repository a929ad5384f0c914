package io.raftkv.operator.security;

import java.util.List;
import java.util.Map;

/**
 * The files of the Secret {@code <cluster>-auth} the pods mount at
 * {@value SecurityObjects#AUTH_DIR}: {@code roles} (one {@code user role [prefix]} per line)
 * and {@code tokens} (one {@code token,user} per line), the node's formats (docs/security.md).
 *
 * @param files file name → contents
 * @param problems user entries that could not be honoured (a missing token Secret or key):
 *     those users get no token line, everything else is in force
 */
public record AuthPlan(Map<String, String> files, List<String> problems) {

    /** Key under which the reconciler hands the plan to the auth Secret dependent. */
    public static final String CONTEXT_KEY = "raftkv.io/auth-plan";
}
