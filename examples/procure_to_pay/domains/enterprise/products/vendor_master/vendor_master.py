"""The golden record of each enterprise vendor, by the survivorship rules of vendor.yaml."""


def build(inputs, context):
    from andmesh.enterprise.entities.pipelines import golden  # heavy: only when it builds

    return golden("vendor", inputs, context)
