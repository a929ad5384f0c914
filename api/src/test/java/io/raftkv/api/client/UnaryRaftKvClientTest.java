package io.raftkv.api.client;

import io.raftkv.api.fake.FakeNode;

/** Every {@link RaftKvClientTest} again with pipelining off: each KV call its own unary gRPC call. */
class UnaryRaftKvClientTest extends RaftKvClientTest {
    @Override
    RaftKvClientBuilder builder(FakeNode... order) {
        return super.builder(order).pipelining(false);
    }
}
