package io.raftkv.operator.security;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the operator-managed certificates of one cluster should be after this reconciliation:
 * the contents (PEM text by key) of the CA, member and admin Secrets, and what changed.
 *
 * @param caSecret {@code <cluster>-ca}: ca.crt, ca.key, maybe previous-ca.crt, operator.crt/key
 * @param memberSecret {@code <cluster>-tls}: ca.crt (the bundle) and {@code <pod>.crt/.key}
 * @param adminSecret {@code <cluster>-admin}: ca.crt, tls.crt, tls.key, token
 * @param problem why the certificates could not be checked or renewed (a damaged CA Secret):
 *     the three maps then hold the live contents unchanged
 * @param caNotAfter expiry of the current CA
 * @param soonestNotAfter expiry of the soonest member, operator or admin certificate
 * @param members number of member certificates (ordinals 0..members-1)
 * @param changes what was issued or renewed, for the event (empty: nothing)
 * @param recheckAt when the next step is due (a rotation phase, a renewal)
 */
public record TlsPlan(
        Map<String, String> caSecret,
        Map<String, String> memberSecret,
        Map<String, String> adminSecret,
        Optional<String> problem,
        Instant caNotAfter,
        Instant soonestNotAfter,
        int members,
        List<String> changes,
        Instant recheckAt) {

    /** Key under which the reconciler hands the plan to the Secret dependents. */
    public static final String CONTEXT_KEY = "raftkv.io/tls-plan";
}
