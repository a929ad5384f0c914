/**
 * The RaftKvCluster custom resource (raftkv.io/v1alpha1): spec, status and their lenient reading;
 * the CRD is generated from these classes.
 *
 * <p>Depends on no other {@code io.raftkv} package: the CRD is generated from these classes alone.
 * Checked by {@code OperatorArchitectureTest}.
 */
package io.raftkv.operator.api.v1alpha1;
