"""Every unit's facts about each enterprise customer, in one row (the scores' input)."""

from andmesh.enterprise.entities.pipelines import profile


def build(inputs, context):
    return profile("customer", inputs, context)
