"""The served enterprise scores of every customer (see andmesh.enterprise.scores.publish)."""

from andmesh.enterprise.scores import publish


def build(inputs, context):
    return publish.customer_scores(inputs, context)


def fingerprint(context):
    return publish.fingerprint(context)
