"""The served enterprise scores of every customer (see andmesh.enterprise.scores.publish)."""

from andmesh.enterprise.scores import fingerprint as scores_fingerprint


def build(inputs, context):
    from andmesh.enterprise.scores import publish

    return publish.customer_scores(inputs, context)


def fingerprint(context):
    return scores_fingerprint.fingerprint(context)
