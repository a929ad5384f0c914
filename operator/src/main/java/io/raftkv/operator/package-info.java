/**
 * The operator process: entry point, settings, and the JOSDK controller that reconciles
 * RaftKvClusters.
 */
package io.raftkv.operator;
