"""`andmesh doctor`: what is wrong with a workspace, and the repairs that lose nothing.

It reads the store's migration, the catalog against the warehouse's metadata files, the
warehouse's leftovers and file permissions, and key files. ``repair`` rebuilds the catalog
from the metadata files, removes what crashed runs journaled and never committed, and
makes the workspace's files owner-only. It never deletes a file the journal does not name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from pydantic import BaseModel, Field

from andmesh.storage.catalog_health import inspect_catalog, rebuild, warehouse_tables
from andmesh.storage.warehouse import Warehouse, _parse_folder, _published
from andmesh.store.metadata import MetadataStore, _known_revision
from andmesh.workspace import Workspace, read_only_url, sqlite_path


class Finding(BaseModel):
    area: str = Field(description="store | catalog | warehouse | permissions | keys | workspace")
    status: str = Field(description="ok | warning | error | repaired", examples=["error"])
    message: str
    fix: str | None = None


class DoctorReport(BaseModel):
    workspace: str
    writable: bool
    findings: list[Finding]

    @property
    def exit_code(self) -> int:
        return 2 if any(f.status == "error" for f in self.findings) else 0


def examine(workspace: Workspace, *, repair: bool = False) -> DoctorReport:
    findings: list[Finding] = []
    writable = workspace.writable
    if not workspace.root.exists():
        findings.append(
            Finding(area="workspace", status="ok", message=f"no workspace at {workspace.root} yet")
        )
        return DoctorReport(workspace=str(workspace.root), writable=writable, findings=findings)
    if not writable:
        findings.append(
            Finding(
                area="workspace",
                status="warning" if not repair else "error",
                message="read-only for this user: read commands work; run and repair need write access",
                fix="run `andmesh doctor --repair` as a user who may write the workspace" if repair else None,
            )
        )
        repair = False
    findings.append(_store(workspace))
    findings.extend(_catalog(workspace, repair))
    if not any(f.area == "catalog" and f.status == "error" for f in findings):
        findings.extend(_warehouse(workspace, repair))
    findings.extend(_permissions(workspace, repair))
    return DoctorReport(workspace=str(workspace.root), writable=writable, findings=findings)


def _store(workspace: Workspace) -> Finding:
    file = sqlite_path(workspace.store_url)
    if file is not None and not file.exists():
        return Finding(area="store", status="ok", message="no metadata store yet (the first run creates it)")
    engine = sa.create_engine(read_only_url(workspace.store_url))
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except sa.exc.SQLAlchemyError as exc:
        return Finding(
            area="store",
            status="error",
            message=f"the metadata store {file or workspace.store_url} cannot be read: {exc.__cause__ or exc}",
            fix="restore it from a backup; the published versions themselves are in the catalog",
        )
    finally:
        engine.dispose()
    head = MetadataStore.head_revision()
    if current == head:
        return Finding(area="store", status="ok", message=f"metadata store at migration {current} (current)")
    if current is not None and not _known_revision(current):
        return Finding(
            area="store",
            status="error",
            message=f"metadata store at migration {current}, written by a newer andmesh (this one knows "
            f"up to {head})",
            fix="upgrade andmesh; this version refuses to write to it",
        )
    return Finding(
        area="store",
        status="warning",
        message=f"metadata store at migration {current or 'none'}; this andmesh upgrades it to {head} "
        "on its next write",
    )


def _catalog(workspace: Workspace, repair: bool) -> list[Finding]:
    health = inspect_catalog(workspace.catalog_url, workspace.warehouse)
    if health.usable:
        return [
            Finding(
                area="catalog",
                status="ok",
                message=f"catalog holds {len(health.registered)} table(s), matching the warehouse",
            )
        ]
    fix = "`andmesh doctor --repair` rebuilds it from the metadata files in the warehouse"
    if not repair:
        return [Finding(area="catalog", status="error", message=p, fix=fix) for p in health.problems()]
    notes = rebuild(workspace.catalog_url, workspace.warehouse, health)
    after = inspect_catalog(workspace.catalog_url, workspace.warehouse)
    found = [Finding(area="catalog", status="repaired", message=n) for n in notes]
    found += [Finding(area="catalog", status="error", message=p, fix=fix) for p in after.problems()]
    return found


def _warehouse(workspace: Workspace, repair: bool) -> list[Finding]:
    warehouse = Warehouse(workspace.catalog_url, workspace.warehouse, check=False)
    found: list[Finding] = []
    pending = warehouse.journal.runs()
    if pending and repair:
        removed = warehouse.repair()
        found.append(
            Finding(
                area="warehouse",
                status="repaired",
                message=f"removed {len(removed)} uncommitted leftover(s) of {len(pending)} interrupted run(s)",
            )
        )
    elif pending:
        found.append(
            Finding(
                area="warehouse",
                status="warning",
                message=f"{len(pending)} interrupted run(s) left files its journal names: {', '.join(pending)}",
                fix="the next run removes them (or `andmesh doctor --repair`)",
            )
        )
    journaled = {str(p) for e in warehouse.journal.entries() if (p := warehouse.journal.resolve(e))}
    for table_id in warehouse_tables(workspace.warehouse):
        table = warehouse._table(table_id)
        namespace, _, name = table_id.partition(".")
        data = workspace.warehouse / namespace / name / "data"
        if table is None or not data.is_dir():
            continue
        live = set(_published(table).items())
        for folder in sorted(data.iterdir()):
            if _parse_folder(folder.name) in live or str(folder) in journaled:
                continue
            if warehouse._referenced(table_id, folder):
                continue
            found.append(
                Finding(
                    area="warehouse",
                    status="warning",
                    message=f"{folder} is in no version of {table_id} and no run of this workspace "
                    "journaled it: andmesh leaves it alone",
                    fix="delete it by hand if you know where it came from",
                )
            )
    if not found:
        found.append(Finding(area="warehouse", status="ok", message="no leftovers, no unknown files"))
    return found


def _permissions(workspace: Workspace, repair: bool) -> list[Finding]:
    open_to_others = [
        p
        for p in [workspace.root, *workspace.root.rglob("*")]
        if not p.is_symlink() and p.stat().st_mode & 0o077
    ]
    keys = list(workspace.root.glob("*.key"))
    found = [
        Finding(
            area="keys",
            status="error" if k.stat().st_mode & 0o077 else "ok",
            message=f"key file {k.name} is "
            + ("readable by others" if k.stat().st_mode & 0o077 else "owner-only"),
            fix="`andmesh doctor --repair` makes it owner-only" if k.stat().st_mode & 0o077 else None,
        )
        for k in keys
    ]
    if not open_to_others:
        found.append(Finding(area="permissions", status="ok", message="every file is owner-only"))
        return found
    if repair:
        for path in open_to_others:
            path.chmod(0o700 if path.is_dir() else 0o600)
        found = [
            f.model_copy(update={"status": "repaired", "fix": None}) if f.status == "error" else f
            for f in found
        ]
        found.append(
            Finding(
                area="permissions",
                status="repaired",
                message=f"made {len(open_to_others)} path(s) owner-only",
            )
        )
        return found
    sample = ", ".join(str(p.relative_to(workspace.root)) or "." for p in open_to_others[:3])
    found.append(
        Finding(
            area="permissions",
            status="warning",
            message=f"{len(open_to_others)} path(s) are open to group or others (e.g. {sample}); "
            "published versions may hold personal data",
            fix="`andmesh doctor --repair` makes the workspace owner-only",
        )
    )
    return found
