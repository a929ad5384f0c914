package io.raftkv.bench.etcd;

import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetFactory;
import io.raftkv.bench.spi.TargetOptions;

/** Opens {@link EtcdGrpcTarget}s, the {@code etcd} system: plain gRPC stubs, as etcd's own benchmark tool drives etcd. */
public final class EtcdGrpcTargetFactory implements TargetFactory {
    @Override
    public String system() {
        return "etcd";
    }

    @Override
    public Target open(TargetOptions options) {
        return new EtcdGrpcTarget(options);
    }
}
