"""Pydantic models of andmesh's own kinds and of the ODPS v1.0.0 product descriptor.

Every model forbids unknown keys: a misspelt key is an error with a suggestion, never
silently dropped. ODCS contracts are validated in :mod:`andmesh.spec.contract`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ANDMESH_API_VERSION = "andmesh/v1"
SNAKE_CASE = r"^[a-z][a-z0-9_]*$"


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TeamMember(StrictModel):
    username: str = Field(description="Login or e-mail; owners are referenced by it.")
    name: str | None = None
    role: str | None = Field(None, description="owner, data steward, data engineer…")
    email: str | None = None
    description: str | None = None


ENV_VAR_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class LineageSpec(StrictModel):
    """``lineage:`` in ``mesh.yaml``: where a run's OpenLineage events go (see docs/lineage.md)."""

    transport: Literal["file", "http", "none"] = Field(
        "file",
        description="`file`: JSON lines in `<workspace>/lineage/events.jsonl` (or `path`); "
        "`http`: POSTed to an OpenLineage endpoint such as Marquez; `none`: not emitted.",
    )
    path: str | None = Field(
        None, description="File transport: the JSON-lines file, relative to the workspace (or absolute)."
    )
    url: str | None = Field(
        None, description="HTTP transport: the server's base URL, e.g. `http://localhost:5000`."
    )
    endpoint: str = Field("api/v1/lineage", description="HTTP transport: the path events are POSTed to.")
    apiKeyEnv: str | None = Field(
        None,
        pattern=ENV_VAR_NAME,
        description="HTTP transport: the NAME of the environment variable holding the API key "
        "(sent as a bearer token). Never the key itself.",
    )
    timeout: float = Field(5.0, gt=0, description="HTTP transport: seconds per request.")

    @model_validator(mode="after")
    def _http_needs_url(self) -> LineageSpec:
        if self.transport == "http" and not self.url:
            raise ValueError("`transport: http` needs `url:` (e.g. http://localhost:5000)")
        return self


class MeshSpec(StrictModel):
    """``mesh.yaml``: the root of a mesh."""

    apiVersion: Literal["andmesh/v1"]
    kind: Literal["Mesh"]
    name: str
    description: str | None = None
    owner: str | None = Field(None, description="Username of the mesh's owner (enterprise data office).")
    engine: Literal["duckdb", "spark"] = "duckdb"
    sqlDialect: str = "duckdb"
    asOf: dt.datetime | None = Field(
        None,
        description="Business date the mesh runs as of (SLAs are measured against it); default: now. "
        "For historical or generated data.",
    )
    dataRoot: str | None = Field(
        None, description="Folder of the operational sources, relative to the mesh root (`--data` overrides)."
    )
    allowedSourceFolders: list[str] = Field(
        default_factory=list,
        description="Folders outside the data root that sources may read (absolute, or relative to the "
        "mesh root). A source path that is absolute or climbs out with `..` must land in one of them.",
    )
    team: list[TeamMember] = Field(default_factory=list)
    lineage: LineageSpec | None = Field(
        None,
        description="Where OpenLineage events of each run go; default: a JSON-lines file in the workspace.",
    )


class DomainSpec(StrictModel):
    """``domains/<domain>/domain.yaml``: a business unit that owns products."""

    apiVersion: Literal["andmesh/v1"]
    kind: Literal["Domain"]
    name: str = Field(pattern=SNAKE_CASE)
    title: str | None = None
    description: str | None = None
    owner: str
    valueChainStage: str | None = None
    team: list[TeamMember] = Field(default_factory=list)


# --- ODPS v1.0.0 (Open Data Product Standard), the shape of its official JSON Schema ---


class OdpsCustomProperty(StrictModel):
    property: str
    value: Any
    description: str | None = None


class OdpsAuthoritativeDefinition(StrictModel):
    type: Literal[
        "businessDefinition", "transformationImplementation", "videoTutorial", "tutorial", "implementation"
    ]
    url: str
    description: str | None = None


class OdpsDescription(StrictModel):
    purpose: str | None = None
    limitations: str | None = None
    usage: str | None = None
    authoritativeDefinitions: list[OdpsAuthoritativeDefinition] | None = None
    customProperties: list[OdpsCustomProperty] | None = None


class OdpsInputPort(StrictModel):
    name: str
    version: str
    contractId: str


class OdpsInputContract(StrictModel):
    id: str
    version: str


class OdpsSbom(StrictModel):
    type: str | None = None
    url: str


class OdpsOutputPort(StrictModel):
    name: str
    description: str | None = None
    type: str | None = None
    version: str
    contractId: str | None = None
    sbom: list[OdpsSbom] | None = None
    inputContracts: list[OdpsInputContract] | None = None


class OdpsManagementPort(StrictModel):
    name: str
    content: str
    type: str | None = None
    url: str | None = None
    channel: str | None = None
    description: str | None = None
    tags: list[str] | None = None
    customProperties: list[OdpsCustomProperty] | None = None
    authoritativeDefinitions: list[OdpsAuthoritativeDefinition] | None = None


class OdpsSupport(StrictModel):
    channel: str
    url: str
    description: str | None = None
    tool: str | None = None
    scope: str | None = None
    invitationUrl: str | None = None
    tags: list[str] | None = None
    customProperties: list[OdpsCustomProperty] | None = None
    authoritativeDefinitions: list[OdpsAuthoritativeDefinition] | None = None


class OdpsTeamMember(StrictModel):
    username: str | None = None
    name: str | None = None
    description: str | None = None
    role: str | None = None
    dateIn: str | None = None
    dateOut: str | None = None
    replacedByUsername: str | None = None
    tags: list[str] | None = None
    customProperties: list[OdpsCustomProperty] | None = None
    authoritativeDefinitions: list[OdpsAuthoritativeDefinition] | None = None


class DataProductSpec(StrictModel):
    """An ODPS v1.0.0 data product descriptor (``product.yaml``)."""

    apiVersion: Literal["v1.0.0", "v0.9.0"]
    kind: Literal["DataProduct"]
    id: str
    status: str
    name: str | None = None
    version: str | None = None
    domain: str | None = None
    tenant: str | None = None
    authoritativeDefinitions: list[OdpsAuthoritativeDefinition] | None = None
    description: OdpsDescription | None = None
    customProperties: list[OdpsCustomProperty] | None = None
    tags: list[str] | None = None
    inputPorts: list[OdpsInputPort] | None = None
    outputPorts: list[OdpsOutputPort] | None = None
    managementPorts: list[OdpsManagementPort] | None = None
    support: list[OdpsSupport] | None = None
    team: list[OdpsTeamMember] | None = None
    productCreatedTs: str | None = None

    def custom(self, name: str) -> Any:
        for prop in self.customProperties or []:
            if prop.property == name:
                return prop.value
        return None


# --- andmesh settings carried in the product's customProperties ---


class SourceSpec(StrictModel):
    """Raw operational data a product ingests: a glob under the data root."""

    name: str = Field(pattern=SNAKE_CASE)
    path: str
    format: Literal["parquet", "csv", "json"] = "parquet"
    description: str | None = None


PRODUCT_CUSTOM_PROPERTIES = ("pipeline", "sources", "schedule", "costCenter")
