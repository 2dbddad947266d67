"""Planning and running products: build, quality gate, publish."""

from andmesh.pipeline.results import PortOutcome, PortStatus, RunResult
from andmesh.pipeline.run import ProgressEvent, run_mesh

__all__ = ["PortOutcome", "PortStatus", "ProgressEvent", "RunResult", "run_mesh"]
