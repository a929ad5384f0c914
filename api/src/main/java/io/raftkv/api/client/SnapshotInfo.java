package io.raftkv.api.client;

import io.raftkv.api.v1.BackupMetadata;
import java.nio.file.Path;

/**
 * A backup that was downloaded, verified (every chunk's CRC-32C, contiguous offsets, the total
 * length and CRC-32C from the trailer) and committed to its sink.
 *
 * @param metadata what the node said the backup holds (index, term, members, format)
 * @param file     where the data now lives, for a file sink; null otherwise
 * @param bytes    data length
 * @param crc32c   CRC-32C of the whole data, as announced by the node and recomputed here
 * @param source   the node that served it
 * @param location where the data now lives (the file, or e.g. s3://bucket/key)
 * @param sha256   SHA-256 of the whole data, hex, computed while it streamed
 */
public record SnapshotInfo(
        BackupMetadata metadata, Path file, long bytes, int crc32c, Endpoint source, String location, String sha256) {}
