package io.raftkv.operator.crd;

import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.raftkv.operator.api.v1alpha1.RaftKvBackup;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupSchedule;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.io.File;

/**
 * Writes {@code raftkvclusters.raftkv.io-v1.yml}, {@code raftkvbackups.raftkv.io-v1.yml} and
 * {@code raftkvbackupschedules.raftkv.io-v1.yml} into the directory given as the only argument
 * ({@code target/classes/META-INF/fabric8} in the build; {@code make crds} copies it to the
 * checked-in places). The schema comes from the annotated classes; {@link CrdSchemaFinisher}
 * then adds what annotations cannot express.
 */
public final class CrdGeneratorMain {

    private CrdGeneratorMain() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: CrdGeneratorMain <output directory>");
        }
        File out = new File(args[0]);
        if (!out.isDirectory() && !out.mkdirs()) {
            throw new IllegalStateException("cannot create " + out);
        }
        CRDPostProcessor finisher = new CRDPostProcessor() {
            @Override
            public HasMetadata process(HasMetadata crd, String version) {
                return CrdSchemaFinisher.finish(crd);
            }
        };
        int written = new CRDGenerator()
                .inOutputDir(out)
                .forCRDVersions("v1")
                .withPostProcessor(finisher)
                .customResourceClasses(RaftKvCluster.class, RaftKvBackup.class, RaftKvBackupSchedule.class)
                .generate();
        if (written != 3) {
            throw new IllegalStateException("expected three CRDs, the generator wrote " + written);
        }
    }
}
