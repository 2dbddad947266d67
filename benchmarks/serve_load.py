"""The service under load: 50 concurrent users against `andmesh serve` on a PostgreSQL deployment.

    python benchmarks/serve_load.py --data /tmp/o2c20k     # 20,000 customers, 50 users thinking 2 s, 60 s
    python benchmarks/serve_load.py --think 0              # closed loop, no pause: the saturation throughput
    python benchmarks/serve_load.py --clients 10 --seconds 20 --data /path/to/smaller/data

Users, not a flood: each of the ``--clients`` users sends a request, reads the answer, then
thinks for a while before the next, as a person at a portal does. The think time is drawn from
an exponential distribution with mean ``--think`` seconds (default 2), truncated at ten times the
mean (TPC-W's rule for its think time, whose mean is 7 s; locust's ``wait_time`` plays the same
part); each user starts after one such pause, so they do not all arrive in the first instant.
50 users thinking 2 s offer at most 50 / 2 = 25 requests/s (fewer as answers take time: by
Little's law a user's cycle is think + response). ``--think 0`` keeps the closed loop with no
pause, which measures capacity (the saturation throughput), not the latency people see.

What it does, all on loopback:

1. starts a throw-away PostgreSQL server (as ``tests/conftest.py: postgres_url`` does; kept in
   ``--work`` between invocations, so a second invocation reuses the deployment),
2. runs the Order-to-Cash mesh on ``--data`` into that store and catalog (once),
3. opens council proposals to vote on (PII access requests an owner approved),
4. starts ``andmesh serve`` on a free port (``--workers`` processes), and lets ``--clients`` users
   (httpx, one asyncio task each) loop for ``--seconds`` over a mix of catalog reads (list, search, show, events), portal pages (home,
   product page, domain, use case and gap pages), council votes and access requests,
5. prints p50/p95/p99 per kind, errors, and each kind's p95 against ``GET /health``'s measured in
   the same run (the server's floor under the same load); the offered and served rates; the CPU
   the server, PostgreSQL and the load client used per answer (a figure a busy machine moves
   less than latency); the load average before and after; and checks that every write the
   clients were told succeeded is in the store exactly once, and nothing else is.

The first invocation on a ``--work`` folder sets the deployment up (initdb, the mesh run into
PostgreSQL: ~6 minutes at 20,000 customers on 2 busy cores); later ones reuse it. Each
invocation opens ``--proposals`` fresh council proposals to vote on, through the API.

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


def postmaster(work: Path) -> int | None:
    """The PostgreSQL server's process id (its first line of ``postmaster.pid``)."""
    try:
        return int((work / "pg" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


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


def prepare(workspace: Any) -> tuple[dict[str, str], str]:
    """API tokens for the clients, and who owns the personal-data port."""
    from andmesh.facade import Andmesh
    from andmesh.store.tokens import SCOPES, TokenStore

    facade = Andmesh(workspace)
    mesh = facade.mesh(MESH)
    tokens = {
        who: TokenStore(facade.store.engine).issue(who, created_by="load", days=1, scopes=list(SCOPES)).token
        for who in sorted(mesh.directory.members)
    }
    return tokens, mesh.products[PII_PORT].owner or ""


def open_proposals(base: str, tokens: dict[str, str], owner: str, count: int) -> list[int]:
    """``count`` open council proposals to vote on: PII access requests the owner approved, sent
    through the API (8 at a time) as the members would."""
    import httpx

    print(f"opening {count} council proposals (PII access requests approved by the owner) …", flush=True)
    started = time.perf_counter()
    requesters = [who for who in sorted(tokens) if who != owner]

    async def one(http: httpx.AsyncClient, i: int, gate: asyncio.Semaphore) -> int:
        async with gate:
            asked = await http.post("/api/v1/access/requests", json={"table_id": PII_PORT, "purpose": f"load setup {i}"},
                                    headers={"Authorization": f"Bearer {tokens[requesters[i % len(requesters)]]}"})  # fmt: skip
            asked.raise_for_status()
            approved = await http.post(f"/api/v1/access/requests/{asked.json()['id']}/approve",
                                       headers={"Authorization": f"Bearer {tokens[owner]}"})  # fmt: skip
            approved.raise_for_status()
            return int(approved.json()["proposal_id"])

    async def all_of_them() -> list[int]:
        gate = asyncio.Semaphore(8)
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            return list(await asyncio.gather(*(one(http, i, gate) for i in range(count))))

    opened = asyncio.run(all_of_them())
    print(f"  … in {time.perf_counter() - started:.1f} s")
    return opened


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    access_told: dict[str, int] = field(default_factory=dict)  # purpose -> id the server answered
    access_unknown: set[str] = field(default_factory=set)  # sent, answer lost (timeout)
    votes_told: list[int] = field(default_factory=list)
    votes_unknown: list[int] = field(default_factory=list)
    sent: int = 0
    thought: list[float] = field(default_factory=list)  # think times actually drawn, seconds


def think_time(rng: random.Random, mean: float) -> float:
    """A user's pause between two requests: exponential with ``mean``, truncated at ten means.

    >>> think_time(random.Random(1), 0.0)
    0.0
    >>> samples = [think_time(random.Random(n), 2.0) for n in range(2000)]
    >>> max(samples) <= 20.0, 1.8 < sum(samples) / len(samples) < 2.2
    (True, True)
    """
    if mean <= 0:
        return 0.0
    return min(rng.expovariate(1.0 / mean), 10.0 * mean)


@dataclass
class Call:
    method: str
    url: str
    who: str
    body: dict[str, Any] | None = None
    proposal: int = 0  # a vote's
    purpose: str = ""  # an access request's


def make_call(
    kind: str, rng: random.Random, people: list[str], ballots: asyncio.Queue[int], label: str, seq: str
) -> Call | None:
    """One request of ``kind`` as a user would send it; writes carry ``label`` to be found again."""
    who = rng.choice(people)
    product = rng.choice(PRODUCTS)
    reads = {
        "api list": "/api/v1/products?limit=50",
        "api search": f"/api/v1/products/search?q={rng.choice(['customer', 'invoice', 'order', 'credit'])}",
        "api show": f"/api/v1/products/{product}",
        "api events": "/api/v1/events?limit=50",
        "portal home": "/",
        "portal product": f"/products/{product}",
        "portal enterprise": rng.choice(ENTERPRISE_PAGES),
        "health (baseline)": "/api/v1/health",
    }
    if kind in reads:
        return Call("GET", reads[kind], who)
    if kind == "vote":
        try:
            proposal = ballots.get_nowait()
        except asyncio.QueueEmpty:
            return None
        body = {"decision": rng.choice(["approve", "reject"]), "comment": label}
        return Call("POST", f"/api/v1/council/proposals/{proposal}/votes", VOTERS[proposal % len(VOTERS)],
                    body, proposal=proposal)  # fmt: skip
    purpose = f"{label} {seq}"
    return Call(
        "POST", "/api/v1/access/requests", who, {"table_id": product, "purpose": purpose}, purpose=purpose
    )


async def client(
    n: int,
    base: str,
    tokens: dict[str, str],
    ballots: asyncio.Queue[int],
    until: float,
    nonce: str,
    tally: Tally,
    think: float = 0.0,
) -> None:
    import httpx

    rng = random.Random(n)
    people = sorted(tokens)
    kinds, weights = list(MIX), list(MIX.values())

    async def pause() -> None:
        if think > 0:
            wait = think_time(rng, think)
            tally.thought.append(wait)
            await asyncio.sleep(min(wait, max(until - time.perf_counter(), 0.0)))

    # Idle connections are dropped after 2 s, before the server's 5 s (uvicorn's keep-alive): a
    # user back from thinking must not send on a connection the server is closing that instant.
    limits = httpx.Limits(keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) as http:
        i = 0
        await pause()  # users arrive spread over the first seconds, not all at once
        while time.perf_counter() < until:
            i += 1
            kind = rng.choices(kinds, weights)[0]
            call = make_call(kind, rng, people, ballots, f"load {nonce}", f"{n}-{i}")
            if call is None:  # no proposal left to vote on
                continue
            method, url, body, who = call.method, call.url, call.body, call.who
            proposal, purpose = call.proposal, call.purpose
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            started = time.perf_counter()
            tally.sent += 1
            try:
                answer = await http.request(method, url, headers=headers, json=body)
            except httpx.HTTPError as exc:
                tally.errors[kind].append(f"{type(exc).__name__} on {url}")
                if kind == "vote":
                    tally.votes_unknown.append(proposal)
                elif kind == "access request":
                    tally.access_unknown.add(purpose)
                await pause()
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
            await pause()


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


def _used(pid: int, fields: list[str], precise: bool) -> float:
    """CPU seconds ``pid`` has used. ``precise``: its live threads' ``schedstat`` (nanoseconds;
    a thread that ended takes its share along, as the server's idle pool threads do); else
    ``stat``'s user + system time, its own and its ended children's (clock ticks; ended threads
    and processes included: PostgreSQL ends a backend when the pool closes a connection)."""
    if not precise:
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            continue
    return total


def cpu_seconds(roots: list[int], *, precise: bool = False) -> float:
    """CPU time (seconds) used so far by ``roots`` and every process under them."""
    stats: dict[int, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            stats[int(stat.parent.name)] = stat.read_text().rpartition(")")[2].split()
        except (OSError, ValueError):  # the process ended meanwhile
            continue
    total, seen = 0.0, set()
    todo = [p for p in roots if p in stats]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _used(pid, stats[pid], precise)
        todo.extend(child for child, fields in stats.items() if int(fields[1]) == pid)
    return total


@dataclass
class Cpu:
    """CPU seconds of the server, PostgreSQL and this load client, at one instant."""

    server: float
    postgres: float
    client: float

    @classmethod
    def now(cls, server: int, postgres: int | None, *, precise: bool = False) -> Cpu:
        return cls(
            cpu_seconds([server], precise=precise),
            cpu_seconds([postgres], precise=precise) if postgres else 0.0,
            cpu_seconds([os.getpid()], precise=precise),
        )


def report(tally: Tally, seconds: float, *, clients: int, think: float, cpu: tuple[Cpu, Cpu]) -> None:
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
    mean = statistics.mean(x for v in tally.latencies.values() for x in v) if total else 0.0
    print(f"\n{tally.sent} requests sent, {total} answered in {seconds:.0f} s: served {total / seconds:.1f} "
          f"requests/s; mean response {mean * 1000:.0f} ms")  # fmt: skip
    if think > 0:
        drawn = statistics.mean(tally.thought) if tally.thought else think
        print(f"offered: {clients} users thinking {think:g} s on average (exponential; drawn mean "
              f"{drawn:.2f} s) offer at most {clients / think:.1f} requests/s; with the measured mean "
              f"response, Little's law expects {clients / (drawn + mean):.1f} requests/s")  # fmt: skip
    else:
        print(f"closed loop, no think time: saturation throughput {total / seconds:.1f} requests/s "
              f"(every answer waits for the {clients} in flight: Little's law, {clients} / "
              f"{total / seconds:.1f} = {clients / max(total / seconds, 1e-9) * 1000:.0f} ms)")  # fmt: skip
    before, after = cpu
    if total:
        per = {name: (getattr(after, name) - getattr(before, name)) / total * 1000
               for name in ("server", "postgres", "client")}  # fmt: skip
        busy = sum(getattr(after, n) - getattr(before, n) for n in ("server", "postgres", "client")) / seconds
        print(f"CPU per answer: server {per['server']:.1f} ms, PostgreSQL {per['postgres']:.1f} ms, "
              f"load client {per['client']:.1f} ms; together {busy:.2f} of the {os.cpu_count()} cores")  # fmt: skip
    for kind, found in tally.errors.items():
        for line in found[:3]:
            print(f"  error ({kind}): {line}")


def alone(base: str, tokens: dict[str, str], ballots: asyncio.Queue[int], times: int, nonce: str,
          server: int, pg: int | None) -> None:  # fmt: skip
    """Each kind ``times`` times, one request at a time: what a request costs with nobody else waiting.

    Wall time moves with the machine's load; the server's CPU time per request moves much less.
    """
    import httpx

    rng = random.Random(0)
    people = sorted(tokens)
    print(
        f"\none request at a time, {times} of each (load average {Path('/proc/loadavg').read_text().split()[0]}):"
    )
    print("| kind | median ms | server CPU ms (mean) | PostgreSQL CPU ms (mean) |")
    print("|---|---:|---:|---:|")
    with httpx.Client(base_url=base, timeout=60) as http:
        for kind in MIX:
            walls, cpus, pgs = [], [], []
            for i in range(times):
                call = make_call(kind, rng, people, ballots, f"alone {nonce}", str(i))
                if call is None:
                    break
                headers = {"Authorization": f"Bearer {tokens[call.who]}"}
                before, coarse = Cpu.now(server, pg, precise=True), Cpu.now(server, pg)
                started = time.perf_counter()
                answer = http.request(call.method, call.url, headers=headers, json=call.body)
                for figure in FRAGMENT.findall(answer.text) if kind == "portal home" else []:
                    http.get(f"/fragments/figures/{figure}", headers=headers)
                walls.append(time.perf_counter() - started)
                after = Cpu.now(server, pg, precise=True)
                if after.server < before.server or after.postgres < before.postgres:
                    # A thread ended meanwhile and took its schedstat share along (the portal's
                    # figure refresh, an idle pool thread): fall back to the processes' own
                    # user + system time, coarser (clock ticks) but never negative.
                    before, after = coarse, Cpu.now(server, pg)
                cpus.append(after.server - before.server)
                pgs.append(after.postgres - before.postgres)
                answer.raise_for_status()
            if walls:
                print(f"| {kind} | {statistics.median(walls) * 1000:.0f} | {statistics.mean(cpus) * 1000:.1f} "
                      f"| {statistics.mean(pgs) * 1000:.1f} |")  # fmt: skip


def warm_up(base: str, tokens: dict[str, str], workers: int = 1) -> None:
    """One request of each read, alone: the first computes what a state of the mesh caches.

    Each server process keeps its own caches: with several, the reads go again over fresh
    connections (each lands on whichever process accepts it), 4 passes per process."""
    import httpx

    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {tokens['edo']}"}
    urls = ["/", *(f"/fragments/figures/{n}" for n in range(1, 5)), "/api/v1/products",
            *(f"/products/{p}" for p in PRODUCTS), *ENTERPRISE_PAGES]  # fmt: skip
    for _ in range(1 if workers == 1 else 4 * workers):
        with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
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
    parser.add_argument("--proposals", type=int, default=200, help="open council proposals to vote on")
    parser.add_argument("--think", type=float, default=2.0,
                        help="mean think time of a user between requests, seconds (exponential, at most "
                             "10× the mean); 0: a closed loop with no pause, the capacity test")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1, help="`andmesh serve --workers N`")
    parser.add_argument("--alone", type=int, default=5,
                        help="first send each kind this many times one at a time (its cost alone)")  # fmt: skip
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(
        f"set-up starts {time.strftime('%H:%M:%S')}; load average {Path('/proc/loadavg').read_text().strip()}"
    )
    setup = time.perf_counter()
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
        tokens, owner = prepare(workspace)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = (args.work / "serve.log").open("w")
        serve = subprocess.Popen(
            [PYTHON, "-m", "andmesh.cli", "-w", str(args.work / "ws"), "serve", "--port", str(port),
             "--mesh", str(MESH), "--data", str(args.data),
             *(["--workers", str(args.workers)] if args.workers > 1 else [])],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_up(base, serve)
            proposals = open_proposals(base, tokens, owner, args.proposals)
            warm_up(base, tokens, args.workers)
            print(f"set-up took {time.perf_counter() - setup:.0f} s (PostgreSQL, mesh run if not done "
                  f"yet, proposals, server start, warm-up)")  # fmt: skip
            nonce = secrets.token_hex(4)
            tally = Tally()
            pg = postmaster(args.work)
            ballots: asyncio.Queue[int] = asyncio.Queue()
            for p in proposals:
                ballots.put_nowait(p)
            if args.alone:
                alone(base, tokens, ballots, args.alone, nonce, serve.pid, pg)
            print(f"load average before: {Path('/proc/loadavg').read_text().strip()}", flush=True)
            cpu_before = Cpu.now(serve.pid, pg)

            async def run() -> float:
                started = time.perf_counter()
                until = started + args.seconds
                await asyncio.gather(
                    *(client(n, base, tokens, ballots, until, nonce, tally, args.think)
                      for n in range(args.clients))
                )  # fmt: skip
                return time.perf_counter() - started

            elapsed = asyncio.run(run())
            cpu_after = Cpu.now(serve.pid, pg)
            print(f"load average after:  {Path('/proc/loadavg').read_text().strip()}")
        finally:
            serve.terminate()
            serve.wait(30)
        from andmesh.facade import Andmesh

        report(tally, elapsed, clients=args.clients, think=args.think, cpu=(cpu_before, cpu_after))
        problems = check_writes(Andmesh(workspace).store.engine, nonce, tally)
        for line in problems:
            print(f"WRITE CHECK FAILED: {line}")
        errors = sum(len(v) for v in tally.errors.values())
        print(f"errors: {errors}; write check: {'ok' if not problems else 'FAILED'}")
        return 1 if errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())
