/**
 * etcd's {@code v3lockpb.Lock} service (Lock, Unlock), generated at build time from the
 * {@code lock.proto} inside the published {@code io.etcd:jetcd-grpc} artifact.
 */
package io.raftkv.etcd.api.lock;
