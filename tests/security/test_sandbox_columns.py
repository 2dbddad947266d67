"""Lint: a SQL pipeline naming a column its input port's contract does not promise."""

from __future__ import annotations

from pathlib import Path

from andmesh.spec import lint_mesh

PRODUCT = """\
apiVersion: v1.0.0
kind: DataProduct
id: sales.big_customers
name: big_customers
domain: sales
status: active
team:
  - username: owner
    role: owner
inputPorts:
  - name: customers
    version: 1.0.0
    contractId: sales.customers
outputPorts:
  - name: big_customers
    version: 1.0.0
    contractId: sales.big_customers
customProperties:
  - property: pipeline
    value: big_customers.sql
"""

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: sales.big_customers
version: 1.0.0
status: active
schema:
  - name: big_customers
    properties:
      - {name: customer_id, logicalType: string}
      - {name: credit_limit, logicalType: number}
"""


def _downstream(mesh: Path, sql: str) -> Path:
    folder = mesh / "domains/sales/products/big_customers"
    folder.mkdir(parents=True)
    (folder / "product.yaml").write_text(PRODUCT)
    (folder / "contract.yaml").write_text(CONTRACT)
    (folder / "big_customers.sql").write_text(sql)
    return folder / "big_customers.sql"


def test_a_misspelt_column_is_one_located_error_with_a_suggestion(mesh_dir: Path) -> None:
    file = _downstream(
        mesh_dir,
        "with big as (\n"
        "    select customer_id, credit_limt\n"
        "    from customers\n"
        "    where credit_limt > 10000\n"
        ")\n"
        "select customer_id, credit_limt as credit_limit from big order by credit_limt\n",
    )
    report = lint_mesh(mesh_dir)
    problems = [p for p in report.errors if p.file == file]
    assert len(problems) == 1, [p.format() for p in problems]
    [problem] = problems
    assert problem.code == "sql-column" and (problem.line, problem.column) == (2, 25)
    assert "`credit_limt`" in problem.message and "contract `sales.customers`" in problem.message
    assert problem.hint is not None and "did you mean `credit_limit`?" in problem.hint


def test_columns_of_the_contract_aliases_and_sources_are_not_flagged(mesh_dir: Path) -> None:
    _downstream(
        mesh_dir,
        "select c.customer_id, c.credit_limit * 1.0 as credit_limit, count(*) over () as n\n"
        "from customers as c\n"
        "where c.segment = 'enterprise' and exists (select 1 from customers d where d.email = c.email)\n"
        "qualify n > 0 order by credit_limit\n",
    )
    report = lint_mesh(mesh_dir)
    assert report.ok, [p.format() for p in report.errors]


def test_a_wrong_table_is_one_error_not_one_per_column(mesh_dir: Path) -> None:
    file = _downstream(mesh_dir, "select customer_id, credit_limit, segmnt from customer\n")
    problems = [p for p in lint_mesh(mesh_dir).errors if p.file == file]
    assert len(problems) == 1 and "`customer` is neither a source nor an input port" in problems[0].message
