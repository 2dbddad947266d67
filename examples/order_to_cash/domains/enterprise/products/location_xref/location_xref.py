"""One enterprise id per physical location, whichever unit recorded the address."""

from andmesh.enterprise.entities.fingerprint import resolution_fingerprint


def build(inputs, context):
    from andmesh.enterprise.entities.pipelines import resolve_entity

    return resolve_entity("location", inputs, context)


def fingerprint(context):
    return resolution_fingerprint("location", context)
