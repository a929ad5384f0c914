/**
 * Backups in S3-compatible object stores (AWS SDK for Java v2): where an object is
 * ({@link io.raftkv.cli.objectstore.S3Location}), how to reach the store
 * ({@link io.raftkv.cli.objectstore.S3Settings}), a snapshot streamed into a multipart upload
 * with bounded memory ({@link io.raftkv.cli.objectstore.S3MultipartSink}), fetching one back with
 * its checksum checked ({@link io.raftkv.cli.objectstore.S3Fetch}), and retention of a series of
 * backups in a bucket or a directory ({@link io.raftkv.cli.objectstore.Retention}).
 */
package io.raftkv.cli.objectstore;
