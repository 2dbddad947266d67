"""The golden address of each enterprise location."""


def build(inputs, context):
    from andmesh.enterprise.entities.pipelines import golden  # heavy: only when it builds

    return golden("location", inputs, context)
