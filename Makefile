# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CUSTOMERS ?= 20000
SEED ?= 7

.PHONY: demo test lint typecheck unit spark clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/andmesh generate order-to-cash --customers $(CUSTOMERS) --seed $(SEED) --out data/
	$(BIN)/andmesh run examples/order_to_cash --data data/
	$(BIN)/andmesh status
	@# `gaps` exits 1 while an accepted requirement is unmet: the demo shows them, it does not stop.
	$(BIN)/andmesh gaps || true
	@# Customer 360: one enterprise customer, every domain record linked to it and why.
	$(BIN)/andmesh entities show customer EC-000123 | head -40
	@# Enterprise scores (bands) and the one treatment every domain applies (tier counts).
	$(BIN)/andmesh scores show credit_risk
	$(BIN)/andmesh scores show financial_health
	$(BIN)/andmesh scores show lifetime_value
	$(BIN)/andmesh treat --consistency | head -25
	@# The enterprise summary: top use cases, open gaps by domain, KPIs (and report/enterprise.md).
	$(BIN)/andmesh report enterprise --out report/
	@# The council summary: decisions waiting, collaboration, transparency, reuse, economics.
	$(BIN)/andmesh report council --out report/
	@echo
	@echo "Where to look:"
	@echo "  specs:      examples/order_to_cash/ (mesh.yaml, domains/*/products/*)"
	@echo "  data:       data/ (operational sources), data/truth/ (the generator's ground truth)"
	@echo "  workspace:  .andmesh/ (andmesh.db metadata, catalog.db + warehouse/ Iceberg tables)"
	@echo "  report:     report/enterprise.md (use cases, gap heat map, prioritization matrix, KPI trends)"
	@echo "              report/council.md (decisions waiting, collaboration, transparency, reuse, economics)"
	@echo "  governance: $(BIN)/andmesh policies check · council proposals · access list · value"
	@echo "  trust:      $(BIN)/andmesh whoami · tokens create · doctor  (docs/security.md: who may do what;"
	@echo "              personal data is masked unless your team owns it, you hold a grant, or you steward it)"
	@echo "  try:        $(BIN)/andmesh products show order_management.orders"
	@echo "              $(BIN)/andmesh entities review customer · scores list · treat EC-000123 · lineage order_management.orders --downstream"
	@echo "  Procure-to-Pay, the second reference mesh (vendors, supplier risk, vendor treatment):"
	@echo "              README.md \"The Procure-to-Pay reference mesh\" — andmesh generate procure-to-pay, then"
	@echo "              ANDMESH_WORKSPACE=.andmesh-p2p $(BIN)/andmesh run examples/procure_to_pay --data data-p2p/"
	@echo
	@echo "The portal (and the REST API) on this mesh, signed in as one of its members (README, \"The portal\"):"
	@echo "  1. $(BIN)/python -m oidc_provider_mock --port 9400 &    # a local identity provider, for the demo only"
	@echo "  2. ANDMESH_OIDC_ISSUER=http://localhost:9400 ANDMESH_OIDC_CLIENT_ID=andmesh-demo \\"
	@echo "     ANDMESH_OIDC_CLIENT_SECRET=demo ANDMESH_OIDC_USERNAME_CLAIM=sub $(BIN)/andmesh serve"
	@echo "  3. open http://127.0.0.1:8000 · Sign in with your organisation · type a member's username:"
	@echo "     edo (council chair, enterprise owner) · alice (order management) · grace (payments: personal data)"
	@echo "     sam (steward of the customer 360) · rkhan (data office) — every member: docs/service.md, \"Demo users\""
	@echo "  The API: http://127.0.0.1:8000/api/v1/docs (a token: \`andmesh tokens create\` as a member, docs/security.md)"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	@# The layering ([tool.importlinter] in pyproject.toml): only andmesh.engine imports an engine library,
	@# the core never imports the CLI, the API, the web pages or the facade.
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# The Spark half of the engine conformance suite starts a JVM: its own step (`make spark`).
unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not spark"

# One process, one Spark session shared by every test (no -n: each worker would start a JVM).
spark: $(STAMP)
	$(BIN)/python -m pytest -q -m spark tests/engine tests/enterprise

test: lint typecheck unit

clean:
	rm -rf $(VENV) .andmesh data build *.egg-info
