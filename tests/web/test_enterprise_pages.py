"""The portal's enterprise pages through their HTML: domains, the use cases' prioritization
matrix, the gap page filtered by use case, an entity's 360 view (refusals only: the mesh of these
tests declares no entity; the masked view is in test_customer360.py)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import Portal


def test_domain_page_shows_products_health_owners_requirements_and_gaps(portal: Portal) -> None:
    rita = portal.browser("rita")
    listing = rita.get("/domains")
    assert listing.status_code == 200 and 'href="/domains/sales"' in listing.text
    page = rita.get("/domains/sales")
    assert page.status_code == 200, page.text
    products = _section(page.text, "products")
    assert 'href="/products/sales.customers"' in products and "healthy" in products
    assert "<strong>owner</strong>: domain owner" in _section(page.text, "owners")
    requirements = _section(page.text, "requirements")
    assert "sales.customers.segment" in requirements and "sales.customers.email" in requirements
    gaps = _section(page.text, "gaps")  # the e-mail requirement misses a customer; the segment one is met
    assert "sales.customers.email" in gaps and "sales.customers.segment" not in gaps
    assert "67%" in requirements  # 2 of the 3 in-scope customers have an e-mail
    missing = rita.get("/domains/sale")
    assert missing.status_code == 404 and "no domain `sale`" in missing.text and "sales" in missing.text
    assert TestClient(portal.app).get("/domains/sales").status_code == 401


def test_use_case_matrix_places_every_use_case_and_marks_the_pages_own(portal: Portal) -> None:
    rita = portal.browser("rita")
    page = rita.get("/usecases/reach_customers")
    assert page.status_code == 200, page.text
    matrix = _section(page.text, "matrix")
    assert "<svg" in matrix and "Prioritization: value × feasibility" in matrix
    for quadrant in ("quick win", "strategic bet", "fill-in", "deprioritize"):
        assert quadrant in matrix
    # Both use cases are points linking to their pages; only this page's one is the current.
    assert 'href="/usecases/grow_segments"' in matrix and 'href="/usecases/reach_customers"' in matrix
    current = re.findall(r'<circle class="use-case current" cx="([\d.]+)" cy="([\d.]+)"', matrix)
    assert len(current) == 1
    x, y = map(float, current[0])  # value 2, feasibility 2: left of and below the midlines
    lines = re.findall(r'<line x1="([\d.]+)" y1="([\d.]+)" x2="[\d.]+" y2="[\d.]+" stroke="#bdbdbd"', matrix)
    (mid_x, _), (_, mid_y) = map(float, lines[0]), map(float, lines[1])
    assert x < mid_x and y > mid_y
    assert "deprioritize" in page.text.split('id="matrix"')[0]  # the quadrant in the heading line
    gaps = _section(page.text, "gaps")
    assert "sales.customers.email" in gaps and "completeness" in gaps
    kpis = _section(page.text, "kpis")
    assert "Customers with an e-mail address" in kpis and "computed" in kpis
    listing = rita.get("/usecases")
    assert listing.text.count('class="use-case"') == 2  # no current one on the list's matrix


def test_gap_page_filtered_by_use_case(portal: Portal) -> None:
    rita = portal.browser("rita")
    every = rita.get("/gaps")
    assert every.status_code == 200 and 'id="usecase"' in every.text
    assert "sales.customers.segment" in every.text and "sales.customers.email" in every.text
    one = rita.get("/gaps", params={"usecase": "grow_segments"})
    assert "sales.customers.segment" in one.text and "sales.customers.email" not in one.text
    assert '<option value="grow_segments" selected>' in one.text
    gap = rita.get("/gaps", params={"usecase": "reach_customers"}, headers={"HX-Request": "true"})
    assert "<html" not in gap.text and 'data-usecase="reach_customers"' in gap.text
    assert gap.text.count('<tr class="gap">') == 1 and "sales.customers.email" in gap.text
    wrong = rita.get("/gaps", params={"usecase": "grow_segment"})
    assert wrong.status_code == 404 and "grow_segments" in wrong.text  # did you mean


def test_entity_page_refuses_an_unknown_entity_readably(portal: Portal) -> None:
    rita = portal.browser("rita")
    for url in ("/entities/customer/C-000001", "/entities/customer", "/entities/customer?key=C-1"):
        page = rita.get(url)
        assert page.status_code == 404 and "no entity `customer`" in page.text, url
    assert "Traceback" not in page.text


def _section(page: str, section: str) -> str:
    found = re.search(rf'<section class="card[^"]*" id="{section}">(.*?)</section>', page, re.S)
    assert found, section
    return found.group(1)
