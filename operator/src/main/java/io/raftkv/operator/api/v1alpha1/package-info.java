/**
 * The RaftKvCluster custom resource (raftkv.io/v1alpha1): spec, status and their lenient reading;
 * the CRD is generated from these classes.
 */
package io.raftkv.operator.api.v1alpha1;
