/**
 * Coordination recipes on RaftKV's leases and transactions, in the manner of etcd's
 * {@code concurrency} package: {@link io.raftkv.api.recipes.LeaseSession} (a lease kept alive),
 * {@link io.raftkv.api.recipes.Lock} (a mutex with a fencing token) and
 * {@link io.raftkv.api.recipes.Election} (campaign, observe, resign). Their calls block: use them
 * from plain threads, never from a Vert.x event loop.
 */
package io.raftkv.api.recipes;
