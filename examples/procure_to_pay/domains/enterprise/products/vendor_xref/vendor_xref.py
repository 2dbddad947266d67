"""Vendor 360: every unit's vendor record → its enterprise vendor id.

Resolution is the entity library's (andmesh.enterprise.entities), configured by
enterprise/entities/vendor.yaml: trusted keys, equal tax ids and bank accounts, and a
Splink model for the rest. The trained model and the evidence of every link are saved
with the run (the workspace's artifacts/enterprise.vendor_xref/<run id>/).
"""

from andmesh.enterprise.entities.fingerprint import resolution_fingerprint


def build(inputs, context):
    from andmesh.enterprise.entities.pipelines import resolve_entity

    return resolve_entity("vendor", inputs, context)


def fingerprint(context):
    # The Entity spec and the stewards' decisions change the result too.
    return resolution_fingerprint("vendor", context)
