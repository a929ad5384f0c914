package io.raftkv.bench.etcd;

import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetFactory;
import io.raftkv.bench.spi.TargetOptions;

/**
 * Opens {@link EtcdTarget}s, the {@code etcd-jetcd} system (etcd through the jetcd client library, a second,
 * labelled etcd row); found by the tool through {@code ServiceLoader} in the driver's class loader.
 */
public final class EtcdTargetFactory implements TargetFactory {
    @Override
    public String system() {
        return "etcd-jetcd";
    }

    @Override
    public Target open(TargetOptions options) {
        return new EtcdTarget(options);
    }
}
