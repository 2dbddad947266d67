"""The golden record of each enterprise vendor, by the survivorship rules of vendor.yaml."""

from andmesh.enterprise.entities.pipelines import golden


def build(inputs, context):
    return golden("vendor", inputs, context)
