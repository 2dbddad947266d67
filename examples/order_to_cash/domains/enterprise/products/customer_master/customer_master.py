"""The golden record of each enterprise customer, by the survivorship rules of customer.yaml."""

from andmesh.enterprise.entities.pipelines import golden


def build(inputs, context):
    return golden("customer", inputs, context)
