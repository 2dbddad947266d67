"""The golden record of each enterprise customer, by the survivorship rules of customer.yaml."""


def build(inputs, context):
    from andmesh.enterprise.entities.pipelines import golden  # heavy: only when it builds

    return golden("customer", inputs, context)
