package io.raftkv.operator.security;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.Map;

/**
 * cert-manager's {@code Certificate} ({@code cert-manager.io/v1}) with its spec and status kept as
 * plain maps: the operator builds the few spec fields it sets ({@link CertManagerCertificates}) and
 * needs no cert-manager model classes. The CRD belongs to cert-manager and is never generated or
 * installed here.
 *
 * <p>A typed class rather than a {@code GenericKubernetesResource}: JOSDK builds a dependent's
 * informer even to deregister it while its activation condition is false, and for a generic
 * resource that construction asks the API server's discovery for the kind, which fails whenever
 * cert-manager is not installed; a typed class names its group, version and plural itself.
 */
@Group("cert-manager.io")
@Version("v1")
@Kind("Certificate")
@Plural("certificates")
public class Certificate extends CustomResource<Map<String, Object>, Map<String, Object>> implements Namespaced {}
