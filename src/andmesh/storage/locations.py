"""Table locations relative to the workspace: a copied or moved workspace is independent.

Iceberg metadata records absolute locations (``file:///…/warehouse/sales/customers/…``),
and other engines need them so. andmesh keeps writing them, but never trusts the prefix:
every table of a workspace's own catalog lives at ``<warehouse>/<namespace>/<table>``,
so the part of a recorded location before that is only the place the workspace was at
when the file was written (a *former root*). On load, the catalog learns each table's
former roots from its catalog row, its metadata log and its snapshots' manifest lists;
the file IO then reads ``<former root>/<rest>`` as ``<this warehouse>/<rest>``, and the
table's location is re-anchored here, so every new file lands in this workspace.

The file IO refuses to write or delete outside this warehouse: a copy can never touch the
workspace it was copied from.
"""

from __future__ import annotations

from pyiceberg.catalog import Catalog
from pyiceberg.catalog.sql import IcebergTables, SqlCatalog
from pyiceberg.io import PY_IO_IMPL, InputFile, OutputFile, load_file_io
from pyiceberg.io.pyarrow import PyArrowFile, PyArrowFileIO
from pyiceberg.serializers import FromInputFile
from pyiceberg.table import Table
from pyiceberg.table.metadata import TableMetadata
from pyiceberg.typedef import Properties

from andmesh.errors import StorageError
from andmesh.storage.uris import FORMER_KEY, ROOT_KEY, former_root, rebase, to_path

__all__ = [
    "FORMER_KEY",
    "ROOT_KEY",
    "WorkspaceCatalog",
    "WorkspaceFileIO",
    "former_root",
    "rebase",
    "to_path",
]


class WorkspaceFileIO(PyArrowFileIO):
    """PyArrow file IO that reads former-root locations here and writes only inside the warehouse."""

    def __init__(self, properties: Properties) -> None:
        super().__init__(properties)
        self.root = properties[ROOT_KEY]
        self.former = [r for r in properties.get(FORMER_KEY, "").split("\n") if r]

    def _here(self, location: str) -> str:
        return rebase(location, self.root, self.former)

    def _inside(self, location: str, action: str) -> str:
        here = self._here(location)
        if not here.startswith(self.root + "/"):
            raise StorageError(
                f"refusing to {action} {location}: it lies outside this workspace's warehouse {self.root}",
                hint="a workspace only ever writes under its own warehouse; run `andmesh doctor`",
            )
        return here

    def new_input(self, location: str) -> PyArrowFile:
        return super().new_input(self._here(location))

    def new_output(self, location: str) -> PyArrowFile:
        return super().new_output(self._inside(location, "write"))

    def delete(self, location: str | InputFile | OutputFile) -> None:
        path = location if isinstance(location, str) else location.location
        super().delete(self._inside(path, "delete"))


class WorkspaceCatalog(SqlCatalog):
    """The workspace's own SQL catalog: tables load relative to the warehouse it is in now."""

    def __init__(self, name: str, *, uri: str, root: str) -> None:
        super().__init__(
            name,
            uri=uri,
            warehouse=root,
            **{PY_IO_IMPL: f"{WorkspaceFileIO.__module__}.{WorkspaceFileIO.__name__}", ROOT_KEY: root},
        )
        self.root = root

    def learn(self, *roots: str | None) -> None:
        """Remember more places this workspace's files were written at."""
        known = [r for r in self.properties.get(FORMER_KEY, "").split("\n") if r]
        for candidate in roots:
            if candidate and candidate != self.root and candidate not in known:
                known.append(candidate)
        self.properties[FORMER_KEY] = "\n".join(known)

    def _convert_orm_to_iceberg(self, orm_table: IcebergTables) -> Table:
        location = orm_table.metadata_location
        namespace, name = orm_table.table_namespace, orm_table.table_name
        if not location or not namespace or not name:
            return super()._convert_orm_to_iceberg(orm_table)
        self.learn(former_root(location, namespace, name))
        io = load_file_io(properties=self.properties, location=location)
        metadata = FromInputFile.table_metadata(io.new_input(location))
        self.learn(*roots_in(metadata, namespace, name))
        metadata = self.anchored(metadata, namespace, name)
        return Table(
            identifier=(*Catalog.identifier_to_tuple(namespace), name),
            metadata=metadata,
            metadata_location=location,
            io=self._load_file_io(metadata.properties, location),
            catalog=self,
        )

    def anchored(self, metadata: TableMetadata, namespace: str, name: str) -> TableMetadata:
        """``metadata`` with its location in this warehouse, so new files are written here."""
        if former_root(metadata.location, namespace, name) in (None, self.root):
            return metadata
        return metadata.model_copy(update={"location": f"{self.root}/{namespace}/{name}"})


def roots_in(metadata: TableMetadata, namespace: str, name: str) -> list[str | None]:
    """Every root the table's history was written under (metadata log and manifest lists)."""
    found = [former_root(metadata.location, namespace, name)]
    found += [former_root(entry.metadata_file, namespace, name) for entry in metadata.metadata_log]
    found += [former_root(s.manifest_list, namespace, name) for s in metadata.snapshots]
    return found
