"""Fixtures: a small hand-made world of companies, and the Order-to-Cash products at 300 customers."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
import yaml

from andmesh.enterprise.entities.resolve import Resolution, resolve
from andmesh.spec.entity import EntitySpec

MESH = Path(__file__).resolve().parents[3] / "examples" / "order_to_cash"

STEMS = [
    "Acme Tools", "Borealis Foods", "Castor Metals", "Delta Pumps", "Elbe Logistik", "Fjord Textiles",
    "Garnet Paints", "Helios Solar", "Ibis Packaging", "Juno Plastics", "Kestrel Engineering", "Lumen Lighting",
    "Merlin Motors", "Nimbus Software", "Orion Optics", "Pegasus Print", "Quartz Glass", "Raven Robotics",
    "Sirius Steel", "Titan Timber", "Umbra Chemicals", "Vega Valves", "Wren Wires", "Xenon Gases",
    "Yarrow Farms", "Zephyr Fans", "Amber Audio", "Basalt Building", "Cobalt Cables", "Dune Drilling",
    "Ember Energy", "Flint Fabrics", "Granite Gears", "Harbor Hoists", "Iris Instruments", "Jasper Joinery",
    "Kite Kitchens", "Lotus Labels", "Mosaic Marble", "Nova Nails",
]  # fmt: skip
CITIES = [
    ("Hamburg", "20095"),
    ("Berlin", "10115"),
    ("Köln", "50667"),
    ("München", "80331"),
    ("Essen", "45127"),
]
SPEC = """
apiVersion: andmesh/v1
kind: Entity
name: customer
idPrefix: C-
stewards: [sam]
attributes:
  - {name: name, standardise: company_name}
  - {name: tax_id, standardise: tax_id, identifying: true, exclusive: true}
  - {name: street, standardise: street}
  - {name: city, standardise: city}
  - {name: postcode, standardise: postcode}
  - {name: country, standardise: country}
sources:
  - product: credit.files
    record: file_id
    trust: 5
    columns: {name: legal_name, tax_id: vat, street: street, city: city, postcode: postcode, country: country}
  - product: sales.accounts
    record: account_no
    trust: 3
    columns: {name: name, tax_id: vat, street: street, city: city, postcode: postcode, country: country}
  - product: billing.invoices
    record: invoice_id
    trust: 1
    columns: {name: bill_to}
links:
  - product: billing.invoices
    records: {billing.invoices: invoice_id, sales.accounts: account_no}
matching:
  threshold: 0.9
  reviewFrom: 0.5
  blocking: [[tax_id], [name_key], [postcode, street_number]]
  comparisons:
    - {method: company_name, attribute: name}
    - {method: identifier, attribute: tax_id}
    - {method: address, attributes: [street, postcode, city]}
    - {method: exact, attribute: country}
  training:
    em: [[postcode, street_number], [tax_id]]
    uPairs: 200000
products: {xref: enterprise.customer_xref}
"""


def entity_spec(**changes: Any) -> EntitySpec:
    data = yaml.safe_load(SPEC)
    data.update(changes)
    return EntitySpec.model_validate(data)


def _typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def small_world(seed: int = 3) -> dict[str, pa.Table]:
    """40 companies: a credit file each (registered name, VAT, address), a sales account each
    keyed with variations (no VAT for a third), invoices naming the account. Companies 0–2
    share their building with companies 37–39 (other name, other VAT); company 36 is a branch
    of company 0 at its address ("Acme Tools Köln", its own VAT)."""
    rng = random.Random(seed)
    files: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    invoices: list[dict[str, Any]] = []
    for i, stem in enumerate(STEMS):
        city, postcode = CITIES[i % len(CITIES)]
        street = f"Industriestraße {10 + i}"
        if i >= 37:  # co-located with company i - 37
            city, postcode = CITIES[(i - 37) % len(CITIES)]
            street = f"Industriestraße {10 + i - 37}"
        name = stem
        if i == 36:  # the branch of company 0, registered at the head office
            name, city, postcode, street = "Acme Tools Köln", CITIES[0][0], CITIES[0][1], "Industriestraße 10"
        vat = f"DE{100000000 + i * 7919:09d}"
        files.append(
            {"file_id": f"F{i:03d}", "legal_name": f"{name} GmbH", "vat": f"DE {vat[2:5]} {vat[5:8]} {vat[8:]}",
             "street": street, "city": city, "postcode": postcode, "country": "DE"}
        )  # fmt: skip
        keyed = name if i % 4 else _typo(name, rng)
        keyed = keyed.upper() if i % 5 == 0 else keyed
        accounts.append(
            {"account_no": f"A{i:03d}", "name": keyed, "vat": vat if i % 3 else None,
             "street": street.replace("straße", "str."), "city": city, "postcode": postcode, "country": "DE"}
        )  # fmt: skip
        for k in range(3):
            invoices.append(
                {"invoice_id": f"I{i:03d}{k}", "account_no": f"A{i:03d}", "bill_to": f"{name} GmbH"}
            )
    return {
        "credit.files": pa.Table.from_pylist(files),
        "sales.accounts": pa.Table.from_pylist(accounts),
        "billing.invoices": pa.Table.from_pylist(invoices),
    }


@pytest.fixture(scope="module")
def world() -> dict[str, pa.Table]:
    """The small two-source world (40 companies), built once per test module."""
    return small_world()


@pytest.fixture(scope="module")
def resolved(world: dict[str, pa.Table]) -> Resolution:
    return resolve(entity_spec(), world)


@pytest.fixture(scope="session")
def o2c_tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, pa.Table], Path]:
    """The Order-to-Cash units' products at 300 customers (their SQL pipelines run on DuckDB), and the truth."""
    from andmesh.generate import generate_order_to_cash
    from tests.examples.test_order_to_cash_specs import build_mesh, read_sources

    data = tmp_path_factory.mktemp("o2c300") / "data"
    generate_order_to_cash(data, customers=300, seed=11)
    con = duckdb.connect()
    build_mesh(con, read_sources(data))
    ports = {
        "order_management.accounts": "accounts",
        "credit_management.credit_files": "credit_files",
        "shipping.ship_to_sites": "ship_to_sites",
        "customer_invoicing.invoices": "invoices",
        "accounts_receivable.open_items": "open_items",
        "payments_collection.payments": "payments",
        "order_management.orders": "orders",
        "credit_management.credit_decisions": "credit_decisions",
    }
    tables = {pid: con.execute(f"SELECT * FROM main.{port}").to_arrow_table() for pid, port in ports.items()}
    con.close()
    return tables, data / "truth"


def o2c_spec(**changes: Any) -> EntitySpec:
    data = yaml.safe_load((MESH / "enterprise" / "entities" / "customer.yaml").read_text())
    data.update(changes)
    return EntitySpec.model_validate(data)
