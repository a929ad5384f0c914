package io.raftkv.api.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import io.raftkv.api.peer.v1.ConfState;
import io.raftkv.api.peer.v1.Entry;
import io.raftkv.api.peer.v1.EntryType;
import io.raftkv.api.peer.v1.MessageType;
import io.raftkv.api.peer.v1.RaftMessage;
import io.raftkv.api.peer.v1.SnapshotMetadata;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The peer protocol must mirror the core's message types field for field, so a change to the core
 * that the wire cannot carry fails here rather than silently dropping a field between nodes.
 */
class RaftMessageMirrorTest {

    @Test
    void everyCoreRecordFieldHasAWireField() {
        assertMirrors(io.raftkv.raft.Message.class, RaftMessage.getDescriptor());
        assertMirrors(io.raftkv.raft.Entry.class, Entry.getDescriptor());
        assertMirrors(io.raftkv.raft.SnapshotMetadata.class, SnapshotMetadata.getDescriptor());
        assertMirrors(io.raftkv.raft.ConfState.class, ConfState.getDescriptor());
        assertMirrors(io.raftkv.raft.Snapshot.class, io.raftkv.api.peer.v1.Snapshot.getDescriptor());
    }

    @Test
    void everyNetworkMessageTypeAndEntryTypeHasAWireValue() {
        List<String> wire = Arrays.stream(MessageType.values())
                .filter(t -> t != MessageType.UNRECOGNIZED)
                .map(Enum::name)
                .toList();
        for (io.raftkv.raft.MessageType t : io.raftkv.raft.MessageType.values()) {
            if (t.isLocal()) {
                assertThat(wire)
                        .as("local type %s must not cross the network", t)
                        .doesNotContain(t.name());
            } else {
                assertThat(wire).as("network type %s", t).contains(t.name());
            }
        }
        for (io.raftkv.raft.EntryType t : io.raftkv.raft.EntryType.values()) {
            assertThat(EntryType.valueOf(t.name())).isNotNull();
        }
    }

    private static void assertMirrors(Class<? extends Record> core, Descriptor wire) {
        for (RecordComponent c : core.getRecordComponents()) {
            String snake = c.getName().replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
            assertThat(wire.findFieldByName(snake))
                    .as("%s.%s -> %s.%s", core.getSimpleName(), c.getName(), wire.getName(), snake)
                    .isNotNull();
        }
    }
}
