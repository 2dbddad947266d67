"""The service under load: 50 concurrent clients against `andmesh serve` on a PostgreSQL deployment.

    python benchmarks/serve_load.py                        # 20,000 customers (/tmp/xref/data20k), 50 clients, 60 s
    python benchmarks/serve_load.py --clients 10 --seconds 20 --data /path/to/smaller/data

What it does, all on loopback:

1. starts a throw-away PostgreSQL server (as ``tests/conftest.py: postgres_url`` does; kept in
   ``--work`` between invocations, so a second invocation reuses the deployment),
2. runs the Order-to-Cash mesh on ``--data`` into that store and catalog (once),
3. opens council proposals to vote on (PII access requests an owner approved),
4. starts ``andmesh serve`` on a free port, and lets ``--clients`` httpx clients loop for
   ``--seconds`` over a mix of catalog reads (list, search, show, events), portal pages (home,
   product page, domain, use case and gap pages), council votes and access requests,
5. prints p50/p95/p99 per kind, errors, and each kind's p95 against ``GET /health``'s measured in
   the same run (the server's floor under the same load), and checks that every write the
   clients were told succeeded is in the store exactly once, and nothing else is.

It exits 1 on any error, lost or duplicated write.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FRAGMENT = re.compile(r'hx-get="/fragments/figures/(\d)"')
MESH = ROOT / "examples" / "order_to_cash"
PYTHON = sys.executable
VOTERS = ("edo", "rkhan")  # the council's chair and the enterprise data office
PII_PORT = "payments_collection.payments"
PRODUCTS = (
    "order_management.orders",
    "customer_invoicing.invoices",
    "accounts_receivable.open_items",
    "shipping.shipments",
    "credit_management.credit_decisions",
    "enterprise.customer_master",
)
# The portal's enterprise pages: domains, use cases with their matrix, gaps filtered by use case.
ENTERPRISE_PAGES = (
    "/domains/order_management",
    "/domains/customer_invoicing",
    "/usecases",
    "/usecases/reduce_dso",
    "/usecases/improve_otif",
    "/gaps",
    "/gaps?usecase=reduce_dso",
)
# kind -> weight in the mix
MIX = {  # "portal home" counts the page and the figures htmx loads after it
    "api list": 14,
    "api search": 8,
    "api show": 14,
    "api events": 6,
    "portal home": 10,
    "portal product": 14,
    "portal enterprise": 8,
    "vote": 10,
    "access request": 16,
    "health (baseline)": 8,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres(work: Path) -> Iterator[str]:
    """A PostgreSQL server on loopback with its data under ``work`` (initialised once)."""
    initdb = shutil.which("initdb") or next(iter(Path("/usr/lib/postgresql").glob("*/bin/initdb")), None)
    if initdb is None:
        sys.exit("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    bindir = Path(initdb).parent
    data = work / "pg"
    run_as: list[str] = []
    user = "postgres"
    if os.geteuid() == 0:  # initdb and the server refuse to run as root
        run_as, user = ["runuser", "-u", "nobody", "--"], "nobody"
        work.chmod(0o777)
    if not data.exists():
        subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", user, "-A", "trust"],
                       check=True, capture_output=True)  # fmt: skip
    port = free_port()
    options = f"-p {port} -k {work} -c listen_addresses=127.0.0.1 -c max_connections=200"
    subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(work / "pg.log"),
                    "-o", options, "-w", "start"], check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}"
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True)  # fmt: skip


def ensure_databases(server: str) -> tuple[str, str]:
    import sqlalchemy as sa

    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        have = {r[0] for r in c.execute(sa.text("select datname from pg_database"))}
        for name in ("andmesh", "andmesh_catalog"):
            if name not in have:
                c.execute(sa.text(f"create database {name}"))
    admin.dispose()
    return f"{server}/andmesh", f"{server}/andmesh_catalog"


def deploy(work: Path, data: Path, env: dict[str, str]) -> None:
    """Run the mesh into the PostgreSQL store once (a second invocation finds it done)."""
    marker = work / "deployed"
    if marker.exists():
        return
    print(f"running the mesh on {data} into PostgreSQL (once) …", flush=True)
    started = time.perf_counter()
    ran = subprocess.run(
        [PYTHON, "-m", "andmesh.cli", "-w", str(work / "ws"), "run", str(MESH), "--data", str(data)],
        env=env,
    )
    if ran.returncode not in (0, 1):
        sys.exit(f"the mesh run failed ({ran.returncode})")
    marker.write_text(f"{time.perf_counter() - started:.1f} s\n")


def member(facade: Any, username: str) -> Any:
    from andmesh.facade import Andmesh
    from andmesh.security.principal import Principal

    who = facade.mesh(MESH).directory.get(username)
    principal = Principal(username=who.username, kind=who.kind, via="token", login=f"load:{username}",
                          groups=who.groups, roles=who.roles)  # fmt: skip
    acting = Andmesh(facade.workspace, principal=principal)
    acting.mesh(MESH)
    return acting


def prepare(workspace: Any, proposals: int) -> tuple[dict[str, str], list[int]]:
    """API tokens for the clients, and ``proposals`` open council proposals to vote on."""
    from andmesh.facade import Andmesh
    from andmesh.store.tokens import SCOPES, TokenStore

    facade = Andmesh(workspace)
    people = sorted(facade.mesh(MESH).directory.members)
    tokens = {
        who: TokenStore(facade.store.engine).issue(who, created_by="load", days=1, scopes=list(SCOPES)).token
        for who in people
    }
    owner = member(facade, facade.mesh(MESH).products[PII_PORT].owner or "")
    requesters = [member(facade, who) for who in people if who not in (owner.principal(MESH).username,)]
    opened: list[int] = []
    print(f"opening {proposals} council proposals (PII access requests approved by the owner) …", flush=True)
    for i in range(proposals):
        asked = requesters[i % len(requesters)].access_request(PII_PORT, None, f"load setup {i}", path=MESH)
        approved = owner.access_decide(asked.id, "approve", path=MESH)
        assert approved.proposal_id is not None, approved
        opened.append(approved.proposal_id)
    return tokens, opened


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    access_told: dict[str, int] = field(default_factory=dict)  # purpose -> id the server answered
    access_unknown: set[str] = field(default_factory=set)  # sent, answer lost (timeout)
    votes_told: list[int] = field(default_factory=list)
    votes_unknown: list[int] = field(default_factory=list)


async def client(
    n: int,
    base: str,
    tokens: dict[str, str],
    ballots: asyncio.Queue[int],
    until: float,
    nonce: str,
    tally: Tally,
) -> None:
    import httpx

    rng = random.Random(n)
    people = sorted(tokens)
    kinds, weights = list(MIX), list(MIX.values())
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as http:
        i = 0
        while time.perf_counter() < until:
            i += 1
            kind = rng.choices(kinds, weights)[0]
            who = rng.choice(people)
            product = rng.choice(PRODUCTS)
            method, url, body = "GET", "", None
            if kind == "api list":
                url = "/api/v1/products?limit=50"
            elif kind == "api search":
                url = f"/api/v1/products/search?q={rng.choice(['customer', 'invoice', 'order', 'credit'])}"
            elif kind == "api show":
                url = f"/api/v1/products/{product}"
            elif kind == "api events":
                url = "/api/v1/events?limit=50"
            elif kind == "portal home":
                url = "/"
            elif kind == "portal product":
                url = f"/products/{product}"
            elif kind == "portal enterprise":
                url = rng.choice(ENTERPRISE_PAGES)
            elif kind == "health (baseline)":
                url = "/api/v1/health"
            elif kind == "vote":
                try:
                    proposal = ballots.get_nowait()
                except asyncio.QueueEmpty:
                    continue
                who = VOTERS[proposal % len(VOTERS)]
                method, url = "POST", f"/api/v1/council/proposals/{proposal}/votes"
                body = {"decision": rng.choice(["approve", "reject"]), "comment": f"load {nonce}"}
            else:  # access request
                purpose = f"load {nonce} {n}-{i}"
                method, url = "POST", "/api/v1/access/requests"
                body = {"table_id": product, "purpose": purpose}
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            started = time.perf_counter()
            try:
                answer = await http.request(method, url, headers=headers, json=body)
            except httpx.HTTPError as exc:
                tally.errors[kind].append(f"{type(exc).__name__} on {url}")
                if kind == "vote":
                    tally.votes_unknown.append(proposal)
                elif kind == "access request":
                    tally.access_unknown.add(purpose)
                continue
            if kind == "portal home" and answer.status_code == 200:
                # As a browser would: htmx then loads each figure not ready yet; the page is all of it.
                for figure in FRAGMENT.findall(answer.text):
                    part = await http.get(f"/fragments/figures/{figure}", headers=headers)
                    if part.status_code >= 400:
                        tally.errors[kind].append(f"{part.status_code} on figure {figure}")
            tally.latencies[kind].append(time.perf_counter() - started)
            if answer.status_code >= 400:
                tally.errors[kind].append(f"{answer.status_code} on {method} {url}: {answer.text[:200]}")
            elif kind == "vote":
                tally.votes_told.append(proposal)
            elif kind == "access request":
                tally.access_told[purpose] = answer.json()["id"]


def check_writes(engine: Any, nonce: str, tally: Tally) -> list[str]:
    """What the store holds against what the clients were told: nothing lost, nothing twice."""
    import sqlalchemy as sa

    from andmesh.store.schema import access_requests, votes

    problems: list[str] = []
    with engine.connect() as c:
        rows = c.execute(
            sa.select(access_requests.c.id, access_requests.c.purpose).where(
                access_requests.c.purpose.like(f"load {nonce} %")
            )
        ).all()
        cast = c.execute(
            sa.select(votes.c.proposal_id, sa.func.count())
            .where(votes.c.comment == f"load {nonce}")
            .group_by(votes.c.proposal_id)
        ).all()
    by_purpose: dict[str, list[int]] = defaultdict(list)
    for rid, purpose in rows:
        by_purpose[purpose].append(rid)
    twice = [p for p, ids in by_purpose.items() if len(ids) > 1]
    lost = [p for p in tally.access_told if p not in by_purpose]
    wrong = [p for p, rid in tally.access_told.items() if p in by_purpose and by_purpose[p] != [rid]]
    phantom = [p for p in by_purpose if p not in tally.access_told and p not in tally.access_unknown]
    for what, found in (("access requests stored twice", twice), ("access requests lost", lost),
                        ("access requests under another id", wrong),
                        ("access requests stored that no client was told of", phantom)):  # fmt: skip
        if found:
            problems.append(f"{len(found)} {what}: {found[:3]}")
    stored_votes = dict(cast)
    if dup := [p for p, n in stored_votes.items() if n > 1]:
        problems.append(f"{len(dup)} proposals with the load's vote twice: {dup[:3]}")
    if missing := [p for p in tally.votes_told if p not in stored_votes]:
        problems.append(f"{len(missing)} votes lost: {missing[:3]}")
    if extra := [p for p in stored_votes if p not in tally.votes_told and p not in tally.votes_unknown]:
        problems.append(f"{len(extra)} votes stored that no client was told of: {extra[:3]}")
    print(
        f"writes: {len(tally.access_told)} access requests told → {len(rows)} stored; "
        f"{len(tally.votes_told)} votes told → {sum(stored_votes.values())} stored; "
        f"{len(tally.access_unknown) + len(tally.votes_unknown)} with no answer"
    )
    return problems


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


def report(tally: Tally, seconds: float) -> None:
    base = (
        percentile(tally.latencies["health (baseline)"], 95) if tally.latencies["health (baseline)"] else None
    )
    print("\n| kind | requests | p50 ms | p95 ms | p99 ms | errors | p95 / health p95 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    total = 0
    for kind in MIX:
        lat = tally.latencies[kind]
        total += len(lat)
        if not lat:
            print(f"| {kind} | 0 | | | | {len(tally.errors[kind])} | |")
            continue
        p95 = percentile(lat, 95)
        ratio = f"{p95 / base:.1f}×" if base else "—"
        print(f"| {kind} | {len(lat)} | {percentile(lat, 50):.0f} | {p95:.0f} | {percentile(lat, 99):.0f} "
              f"| {len(tally.errors[kind])} | {ratio} |")  # fmt: skip
    print(f"\n{total} answers in {seconds:.0f} s: {total / seconds:.0f} requests/s; "
          f"mean {statistics.mean(x for v in tally.latencies.values() for x in v) * 1000:.0f} ms")  # fmt: skip
    for kind, found in tally.errors.items():
        for line in found[:3]:
            print(f"  error ({kind}): {line}")


def warm_up(base: str, tokens: dict[str, str]) -> None:
    """One request of each read, alone: the first computes what a state of the mesh caches."""
    import httpx

    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {tokens['edo']}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        urls = ["/", *(f"/fragments/figures/{n}" for n in range(1, 5)), "/api/v1/products",
                *(f"/products/{p}" for p in PRODUCTS), *ENTERPRISE_PAGES]  # fmt: skip
        for url in urls:
            http.get(url).raise_for_status()
    print(f"warm-up (first home page, figures, product pages, alone): {time.perf_counter() - started:.1f} s")


def wait_up(base: str, server: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"andmesh serve stopped ({server.returncode})")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    sys.exit("andmesh serve did not answer in time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/xref/data20k"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/andmesh-load"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--proposals", type=int, default=400)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    with postgres(args.work) as server:
        store, catalog = ensure_databases(server)
        env = {**os.environ, "ANDMESH_STORE_URL": store, "ANDMESH_CATALOG_URL": catalog,
               "ANDMESH_MEMORY_LIMIT": os.environ.get("ANDMESH_MEMORY_LIMIT", "2GB"),
               "PYTHONPATH": f"{ROOT / 'src'}:{os.environ.get('PYTHONPATH', '')}"}  # fmt: skip
        for var in ("ANDMESH_WORKSPACE", "ANDMESH_TOKEN", "ANDMESH_SERVER"):
            env.pop(var, None)
        deploy(args.work, args.data, env)
        from andmesh.workspace import Workspace

        workspace = Workspace(args.work / "ws", store, catalog)
        tokens, proposals = prepare(workspace, args.proposals)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = (args.work / "serve.log").open("w")
        serve = subprocess.Popen(
            [PYTHON, "-m", "andmesh.cli", "-w", str(args.work / "ws"), "serve", "--port", str(port),
             "--mesh", str(MESH), "--data", str(args.data)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_up(base, serve)
            warm_up(base, tokens)
            nonce = secrets.token_hex(4)
            tally = Tally()
            print(f"load average before: {Path('/proc/loadavg').read_text().strip()}", flush=True)

            async def run() -> float:
                ballots: asyncio.Queue[int] = asyncio.Queue()
                for p in proposals:
                    ballots.put_nowait(p)
                started = time.perf_counter()
                until = started + args.seconds
                await asyncio.gather(
                    *(client(n, base, tokens, ballots, until, nonce, tally) for n in range(args.clients))
                )
                return time.perf_counter() - started

            elapsed = asyncio.run(run())
            print(f"load average after:  {Path('/proc/loadavg').read_text().strip()}")
        finally:
            serve.terminate()
            serve.wait(30)
        from andmesh.facade import Andmesh

        report(tally, elapsed)
        problems = check_writes(Andmesh(workspace).store.engine, nonce, tally)
        for line in problems:
            print(f"WRITE CHECK FAILED: {line}")
        errors = sum(len(v) for v in tally.errors.values())
        print(f"errors: {errors}; write check: {'ok' if not problems else 'FAILED'}")
        return 1 if errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())
