package io.raftkv.bench.cluster;

/**
 * What one member says about itself.
 *
 * @param memberId the member's own id (as the system names it)
 * @param leaderId the leader it knows, or an empty string when none
 */
record MemberView(String memberId, String leaderId) {
    boolean leads() {
        return !leaderId.isEmpty() && leaderId.equals(memberId);
    }
}
