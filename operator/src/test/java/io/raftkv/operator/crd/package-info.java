/**
 * Build tooling: generates the RaftKvCluster CRD from the classes in {@code api.v1alpha1} with
 * Fabric8's CRD generator and finishes it with what the generator's annotations cannot say
 * (quantity patterns on embedded Kubernetes types). Runs at {@code process-test-classes}, before
 * the tests that compare the checked-in copies with it.
 */
package io.raftkv.operator.crd;
