package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;

/** Small builders shared by the unit tests. */
final class Fixtures {
    private Fixtures() {}

    /** Entries at indices {@code first, first+1, ...} with the given terms and payload "i". */
    static List<Entry> entries(long first, long... terms) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            long index = first + i;
            out.add(Entry.normal(terms[i], index, ("e" + index).getBytes()));
        }
        return out;
    }

    /** Storage holding entries 1..n with the given terms, voters {@code voters}, and a hard state. */
    static MemoryStorage storage(ConfState cs, HardState hs, long... terms) {
        MemoryStorage s = new MemoryStorage();
        s.setConfState(cs);
        s.append(entries(1, terms));
        s.setHardState(hs);
        return s;
    }

    static MemoryStorage storage(long... terms) {
        return storage(ConfState.ofVoters(1L, 2L, 3L), HardState.EMPTY, terms);
    }

    static Message msg(MessageType type, long from, long to, long term) {
        return Message.builder(type).from(from).to(to).term(term).build();
    }

    static RaftConfig.Builder config(long id) {
        return TestNetwork.baseConfig(id);
    }

    /** Handles one Ready as a well-behaved driver would, persisting into {@code s}. */
    static Ready persistAndAdvance(RawNode n, MemoryStorage s) {
        Ready rd = n.ready();
        if (!rd.snapshot().isEmpty()) {
            s.applySnapshot(rd.snapshot());
        }
        s.append(rd.entries());
        if (rd.hardState() != null) {
            s.setHardState(rd.hardState());
        }
        n.advance(rd);
        return rd;
    }

    /** All messages of a Ready, immediate ones first. */
    static List<Message> allMessages(Ready rd) {
        List<Message> out = new ArrayList<>(rd.messages());
        out.addAll(rd.persistedMessages());
        return out;
    }
}
