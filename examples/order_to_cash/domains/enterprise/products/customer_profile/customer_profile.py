"""Every unit's facts about each enterprise customer, in one row (the scores' input)."""


def build(inputs, context):
    from andmesh.enterprise.entities.pipelines import profile  # heavy: only when it builds

    return profile("customer", inputs, context)
