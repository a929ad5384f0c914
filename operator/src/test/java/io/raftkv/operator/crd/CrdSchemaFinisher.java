package io.raftkv.operator.crd;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.raftkv.operator.api.v1alpha1.Quantities;

/**
 * What the generator's annotations cannot put into the schema: the quantity pattern on the
 * embedded {@code ResourceRequirements} maps (the API server then rejects {@code ""} or
 * {@code 1e3Gi} at admission, as it does for a Pod).
 */
final class CrdSchemaFinisher {

  private CrdSchemaFinisher() {}

  static HasMetadata finish(HasMetadata object) {
    CustomResourceDefinition crd = (CustomResourceDefinition) object;
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      JSONSchemaProps spec = child(version.getSchema().getOpenAPIV3Schema(), "spec");
      JSONSchemaProps resources = child(spec, "resources");
      for (String map : new String[] {"limits", "requests"}) {
        JSONSchemaProps values = child(resources, map).getAdditionalProperties().getSchema();
        values.setPattern(Quantities.PATTERN);
      }
    }
    return crd;
  }

  private static JSONSchemaProps child(JSONSchemaProps parent, String name) {
    JSONSchemaProps child = parent.getProperties().get(name);
    if (child == null) {
      throw new IllegalStateException("the generated schema has no property '" + name + "'");
    }
    return child;
  }
}
