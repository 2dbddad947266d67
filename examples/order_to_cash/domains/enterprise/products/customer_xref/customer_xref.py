"""Customer 360: every unit's customer record → its enterprise customer id.

Resolution is the entity library's (andmesh.enterprise.entities), configured by
enterprise/entities/customer.yaml: trusted keys, equal tax ids and bank accounts, and
a Splink model for the rest. The trained model and the evidence of every link are
saved with the run (the workspace's artifacts/enterprise.customer_xref/<run id>/).
"""

from andmesh.enterprise.entities.fingerprint import resolution_fingerprint


def build(inputs, context):
    from andmesh.enterprise.entities.pipelines import resolve_entity

    return resolve_entity("customer", inputs, context)


def fingerprint(context):
    # The Entity spec and the stewards' decisions change the result too.
    return resolution_fingerprint("customer", context)
