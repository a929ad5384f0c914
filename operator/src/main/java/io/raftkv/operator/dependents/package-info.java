/**
 * One JOSDK dependent per object the operator owns (StatefulSet, Services, PodDisruptionBudget,
 * node RBAC) and the pod contract they share.
 */
package io.raftkv.operator.dependents;
