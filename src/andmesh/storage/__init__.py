"""Output ports: versioned Iceberg tables any engine can read."""

from andmesh.storage.warehouse import PortVersion, Warehouse

__all__ = ["PortVersion", "Warehouse"]
