package io.raftkv.bench.cluster;

/**
 * What one member says about itself.
 *
 * @param memberId the member's own id (as the system names it)
 * @param leaderId the leader it knows, or an empty string when none
 * @param version  the server's software version as it reports it
 */
record MemberView(String memberId, String leaderId, String version) {
    boolean leads() {
        return !leaderId.isEmpty() && leaderId.equals(memberId);
    }
}
