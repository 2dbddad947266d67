"""One enterprise id per physical location, whichever unit recorded the address."""

from andmesh.enterprise.entities.pipelines import resolution_fingerprint, resolve_entity


def build(inputs, context):
    return resolve_entity("location", inputs, context)


def fingerprint(context):
    return resolution_fingerprint("location", context)
