package io.raftkv.api.client;

import io.raftkv.api.v1.BackupMetadata;
import java.nio.file.Path;

/**
 * A backup that was downloaded, verified (every chunk's CRC-32C, contiguous offsets, the total
 * length and CRC-32C from the trailer) and atomically moved into place.
 *
 * @param metadata what the node said the backup holds (index, term, members, format)
 * @param file     where the data now lives
 * @param bytes    data length
 * @param crc32c   CRC-32C of the whole data, as announced by the node and recomputed here
 * @param source   the node that served it
 */
public record SnapshotInfo(BackupMetadata metadata, Path file, long bytes, int crc32c, Endpoint source) {}
