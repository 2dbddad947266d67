"""The `andmesh` application: global options and the command modules."""

from __future__ import annotations

import gc
import os
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from andmesh.cli import (
    cmd_access,
    cmd_council,
    cmd_diff,
    cmd_doctor,
    cmd_entities,
    cmd_gaps,
    cmd_generate,
    cmd_init,
    cmd_kpis,
    cmd_lineage,
    cmd_lint,
    cmd_policies,
    cmd_products,
    cmd_report,
    cmd_run,
    cmd_scores,
    cmd_serve,
    cmd_status,
    cmd_test,
    cmd_tokens,
    cmd_treat,
    cmd_usecases,
    cmd_value,
)
from andmesh.errors import AndmeshError

app = typer.Typer(
    name="andmesh",
    help="A data mesh platform for the business units and the enterprise.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Folder holding the mesh's state (default: ./.andmesh, or $ANDMESH_WORKSPACE).",
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            envvar="ANDMESH_SERVER",
            help="An andmesh server to send governance actions to (access, council vote, whoami), "
            "as the member $ANDMESH_TOKEN names.",
        ),
    ] = None,
) -> None:
    # Imported here: `andmesh --help` never loads the facade.
    from andmesh.facade import Andmesh
    from andmesh.workspace import Workspace

    ctx.obj = Andmesh(Workspace.resolve(workspace))
    ctx.meta["andmesh.server"] = server


app.command("init")(cmd_init.init)
app.command("lint")(cmd_lint.lint)
app.command("generate")(cmd_generate.generate)
app.command("run")(cmd_run.run)
app.command("status")(cmd_status.status)
app.command("test")(cmd_test.contract_test)
app.command("diff")(cmd_diff.diff)
app.command("read")(cmd_products.read)
app.command("usecases")(cmd_usecases.usecases)
app.command("gaps")(cmd_gaps.gaps)
app.command("kpis")(cmd_kpis.kpis)
app.command("value")(cmd_value.value)
app.command("lineage")(cmd_lineage.lineage)
app.command("treat")(cmd_treat.treat)
app.command("doctor")(cmd_doctor.doctor)
app.command("serve")(cmd_serve.serve)
app.add_typer(cmd_entities.entities_app, name="entities")
app.add_typer(cmd_scores.scores, name="scores")
app.add_typer(cmd_products.products, name="products")
app.add_typer(cmd_report.report, name="report")
app.add_typer(cmd_policies.policies, name="policies")
app.add_typer(cmd_council.council, name="council")
app.add_typer(cmd_access.access, name="access")
app.add_typer(cmd_tokens.tokens, name="tokens")
app.command("whoami")(cmd_tokens.whoami)


# Seconds a command runs before the garbage collector is switched back on (see `main`):
# longer than a no-op run of the reference mesh, so a short command never collects.
GC_AFTER_SECONDS = 2.0


def _collect_from_now_on() -> None:
    """Collect once (cycles made so far go), freeze the survivors (start-up's modules, specs,
    models) out of every later scan, and switch the collector back on."""
    gc.collect()
    gc.freeze()
    gc.enable()


_GLOBAL_WITH_VALUE = ("--workspace", "-w", "--server")


def invoked_command(argv: list[str]) -> str | None:
    """The sub-command a command line runs, after the global options; None for the app's help.

    >>> invoked_command(["-w", "ws", "test", "c.yaml"])
    'test'
    >>> invoked_command(["--server=http://x", "access", "list"])
    'access'
    >>> invoked_command(["--help", "run"]) is None
    True
    """
    args = iter(argv)
    for arg in args:
        if arg in _GLOBAL_WITH_VALUE:
            next(args, None)
        elif arg in ("--help", "--"):
            return None
        elif not arg.startswith("-"):
            return arg
    return None


def only_invoked(argv: list[str]) -> None:
    """Register only the sub-command the command line runs.

    Typer turns every registered command's signature into Click parameters before it looks
    at the command line (~40 ms for ~45 commands, a tenth of a short command); only the one
    that runs needs them. An unknown name keeps them all, for Click's "No such command".
    """
    name = invoked_command(argv)
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if commands or groups:
        app.registered_commands = commands
        app.registered_groups = groups


def main() -> None:
    # Start-up (imports of sqlglot, pydantic models, DuckDB; reading specs) makes hundreds of
    # thousands of objects and almost no garbage, yet the collector scans them again and again:
    # ~15-30% of a short command's CPU. So it is off for the first seconds. A command still
    # running then (a build, a server) gets it back after one full collection, with what
    # survived frozen out of its later scans.
    gc.disable()
    timer = threading.Timer(GC_AFTER_SECONDS, _collect_from_now_on)
    timer.daemon = True
    timer.start()
    try:
        only_invoked(sys.argv[1:])
        app()
    except AndmeshError as exc:  # a command that let its error through: still no traceback
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except Exception as exc:
        # Last resort: every expected failure is an AndmeshError with a message and a fix,
        # handled by the command. Anything else is a bug; one line says so, and exit 2 keeps
        # it from reading as "checks held data back" (1). Tests call the facade, unguarded.
        if os.environ.get("ANDMESH_DEBUG") == "1":
            raise
        print(
            f"internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
            "(this is a bug; ANDMESH_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        sys.exit(2)
    finally:
        # The interpreter's shutdown walks every object the imports made (Ibis, sqlglot,
        # pydantic models) looking for cycles: ~0.4 s of every command, for memory the OS
        # takes back anyway. Frozen objects are skipped; files and sessions are closed by
        # the commands themselves and atexit hooks still run.
        gc.freeze()
