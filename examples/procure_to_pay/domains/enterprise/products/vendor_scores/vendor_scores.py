"""The served enterprise scores of every vendor (see andmesh.enterprise.scores.publish).

The same publication as Order-to-Cash's customer_scores: every served and shadow version of
the mesh's scores (here supplier_risk) runs on the exact snapshots this build read, each run
is recorded, and the served rows are published (one per enterprise vendor and score).
"""

from andmesh.enterprise.scores import fingerprint as scores_fingerprint


def build(inputs, context):
    from andmesh.enterprise.scores import publish

    return publish.customer_scores(inputs, context)


def fingerprint(context):
    return scores_fingerprint.fingerprint(context)
