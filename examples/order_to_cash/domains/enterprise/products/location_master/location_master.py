"""The golden address of each enterprise location."""

from andmesh.enterprise.entities.pipelines import golden


def build(inputs, context):
    return golden("location", inputs, context)
