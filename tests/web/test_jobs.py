"""Another tool's job in the portal: linked from the lineage of the product it reads, its page
lists what it reads and writes (the mesh's products linked) and its last runs."""

from __future__ import annotations

import html
import uuid

from tests.web.conftest import Portal

EVENT = {
    "eventType": "COMPLETE",
    "eventTime": "2026-12-03T07:00:00.000Z",
    "producer": "https://example.org/spark",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "job": {"namespace": "spark://etl", "name": "segment_scoring"},
    "inputs": [{"namespace": "postgres://warehouse", "name": "sales.customers"}],
    "outputs": [{"namespace": "s3://crm", "name": "segments/scored"}],
}


def test_a_job_has_a_page_linked_from_the_lineage(portal: Portal) -> None:
    from fastapi.testclient import TestClient

    run = str(uuid.uuid4())
    sender = TestClient(portal.app)
    sent = sender.post(
        "/api/v1/lineage/events",
        json={**EVENT, "run": {"runId": run}},
        headers={"Authorization": f"Bearer {portal.tokens['ingest-bot']}"},
    )
    assert sent.status_code == 201, sent.text
    browser = portal.browser("rita")
    page = browser.get("/products/sales.customers")
    assert page.status_code == 200, page.text
    link = "/jobs/spark%3A%2F%2Fetl%2Fsegment_scoring"
    assert f'href="{link}"' in page.text  # "read by": the job, beside the products reading it
    expanded = browser.get("/fragments/lineage/sales.customers", params={"direction": "downstream"})
    assert f'href="{link}"' in expanded.text

    job = browser.get(link)
    assert job.status_code == 200, job.text
    text = html.unescape(job.text)
    assert "segment_scoring" in text and "spark://etl/segment_scoring" in text
    assert 'href="/products/sales.customers"' in job.text  # the product it reads, linked
    assert "segments/scored" in text and "not the mesh's" in text  # what it writes elsewhere
    assert run in text and "COMPLETE" in text  # its last run
    missing = browser.get("/jobs/spark%3A%2F%2Fetl%2Fnever_seen")
    assert missing.status_code == 404 and "never_seen" in html.unescape(missing.text)
    assert "Traceback" not in missing.text
