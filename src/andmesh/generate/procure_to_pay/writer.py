"""Order-to-Cash's atomic part-file writer, checking Procure-to-Pay's schemas."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from andmesh.generate.procure_to_pay.schema import TABLES
from andmesh.generate.writer import DatasetWriter


class ProcureToPayWriter(DatasetWriter):
    """:class:`DatasetWriter` (staging folder, background writes, commit/abort) for P2P tables."""

    def write_part(self, key: str, table: pa.Table, part: int) -> None:
        spec = TABLES[key]
        if table.schema != spec.schema:
            raise TypeError(f"{key}: schema {table.schema} does not match {spec.schema}")
        folder = self.staging / key
        folder.mkdir(parents=True, exist_ok=True)
        self.parts[key] = self.parts.get(key, 0) + 1
        if spec.format == "csv":
            self._pending.append(self._pool.submit(pcsv.write_csv, table, folder / f"part-{part:05d}.csv"))
        else:
            path = folder / f"part-{part:05d}.parquet"
            self._pending.append(self._pool.submit(pq.write_table, table, path, compression="zstd"))
