"""Treatments: one tier per entity (customer, vendor…) from the served score bands, and each domain's action.

A tier is the first of the Treatment spec's tiers whose ``when`` holds (every score named
is in one of the bands listed); the last tier is the default. Every domain reads the
same served score versions unless its entry pins another (``scores:``), which is what
the consistency check looks for:

- every domain uses the served version of every score (a pin on an older one is a finding);
- no entity gets two tiers from two domains (conflicts, with examples);
- what would have happened had each unit used its own scoring (``localView``, a SQL
  expression over the profile, e.g. credit's risk class or sales' revenue rank): how
  many entities two units would then have treated differently.

The results keep the field names of the first treatment, Order-to-Cash's customers
(``customer_id``, ``customers``, ``conflicting_customers``: the API's shape), whatever the
entity; ``entity`` and ``entity_plural`` say what is counted, so the CLI, the API and the
portal print "vendors" for a vendor treatment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, Field, computed_field

from andmesh.enterprise.scores.service import ScoreService
from andmesh.errors import UsageError
from andmesh.spec.score import Treatment
from andmesh.spec.suggest import hint_for


class DomainAction(BaseModel):
    domain: str
    tier: str
    action: str
    versions: dict[str, str] = Field(description="Score → version this domain used.")
    local_tier: str | None = Field(default=None, description="The tier the unit's own scoring would give.")


class CustomerTreatment(BaseModel):
    """How every domain treats one entity (the name is the first treatment's: customers)."""

    customer_id: str = Field(description="The enterprise id of the entity (a customer, a vendor…).")
    treatment: str
    entity: str = Field("customer", description="The Treatment's entity (customer, vendor…).")
    tier: str = Field(description="The enterprise tier (served score versions).")
    bands: dict[str, str | None] = Field(description="Score → band of the served version.")
    versions: dict[str, str]
    domains: list[DomainAction]


class VersionFinding(BaseModel):
    domain: str
    score: str
    used: str
    served: str | None
    customers_affected: int | None = Field(
        default=None, description="Entities whose tier differs from the served versions' tier."
    )


class Conflict(BaseModel):
    customer_id: str = Field(description="The enterprise id of the entity.")
    tiers: dict[str, str] = Field(description="Domain → tier.")


class LocalComparison(BaseModel):
    """Had each unit used its own scoring."""

    domains: list[str]
    customers: int = Field(description="Entities compared.")
    conflicting_customers: int = Field(
        description="Entities (customers, vendors…) two units with a local view would treat differently."
    )
    share: float
    differs_from_enterprise: dict[str, float] = Field(
        description="Domain → share of entities whose local tier differs."
    )
    examples: list[Conflict] = Field(default_factory=list)


class ConsistencyReport(BaseModel):
    treatment: str
    entity: str = Field("customer", description="The Treatment's entity (customer, vendor…).")
    entity_plural: str = Field("customers", description="What `customers` counts, in words (vendors…).")
    as_of: dt.date | None
    served: dict[str, str | None]
    customers: int = Field(description="Entities with a tier (customers, vendors…: see `entity`).")
    tier_counts: dict[str, int]
    findings: list[VersionFinding] = Field(description="Domains not on the served version of a score.")
    conflicting_customers: int = Field(description="Entities two domains treat with different tiers.")
    conflicts: list[Conflict] = Field(default_factory=list, description="Examples.")
    local: LocalComparison | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def consistent(self) -> bool:
        return not self.findings and self.conflicting_customers == 0


class TreatmentService:
    """Tiers and actions of one Treatment spec, from the score service's runs."""

    def __init__(self, scores: ScoreService, name: str | None = None) -> None:
        self.scores = scores
        treatments = scores.mesh.treatments
        if not treatments:
            raise UsageError(
                f"mesh {scores.mesh.name} has no Treatment spec",
                hint="declare one in enterprise/treatments.yaml (kind: Treatment); see docs/scores.md",
            )
        if name is None:
            name = sorted(treatments)[0]
        if name not in treatments:
            raise UsageError(f"unknown treatment `{name}`", hint=hint_for(name, treatments, "treatments"))
        self.treatment: Treatment = treatments[name]
        self.entity = self.treatment.spec.entity
        self.entity_plural = plural(self.entity)
        self._bands: dict[tuple[str, str], dict[str, str | None]] = {}

    @property
    def score_names(self) -> list[str]:
        names = {n for t in self.treatment.spec.tiers for n in t.when}
        return sorted(names)

    def served_versions(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for name in self.score_names:
            served = self.scores.served(name)
            out[name] = served.version if served else None
        return out

    def domain_versions(self, domain: str) -> dict[str, str]:
        entry = next((d for d in self.treatment.spec.domains if d.domain == domain), None)
        served = self.served_versions()
        out = {n: v for n, v in served.items() if v is not None}
        if entry is not None:
            out.update({n: v for n, v in entry.scores.items() if n in served})
        return out

    def bands(self, name: str, version: str, as_of: dt.date | None = None) -> dict[str, str | None]:
        key = (name, version)
        if key not in self._bands:
            _, table = self.scores.output(name, version=version, as_of=as_of)
            self._bands[key] = dict(
                zip(table.column("customer_id").to_pylist(), table.column("band").to_pylist(), strict=True)
            )
        return self._bands[key]

    def tiers(self, versions: dict[str, str], as_of: dt.date | None = None) -> dict[str, str]:
        """Entity id → tier, from the bands of ``versions`` (score → version)."""
        missing = [n for n in self.score_names if n not in versions]
        if missing:
            raise UsageError(
                f"no served version of {', '.join(missing)}",
                hint="approve a version (spec `approval` or `andmesh scores propose`) and run it",
            )
        per_score = {n: self.bands(n, versions[n], as_of) for n in self.score_names}
        customers = sorted(set().union(*(set(b) for b in per_score.values())))
        columns = {n: np.array([b.get(c) for c in customers], dtype=object) for n, b in per_score.items()}
        tier = np.full(len(customers), None, dtype=object)
        for spec in self.treatment.spec.tiers:
            mask = np.ones(len(customers), dtype=bool)
            for name, wanted in spec.when.items():
                mask &= np.isin(columns[name], np.array(wanted, dtype=object))
            tier = np.where((tier == None) & mask, spec.name, tier)  # noqa: E711 - elementwise
        return dict(zip(customers, tier.tolist(), strict=True))

    def local_tiers(self) -> dict[str, dict[str, str]]:
        """Domain → entity id → the tier its own scoring would give (domains with a ``localView``)."""
        views = {d.domain: d.localView for d in self.treatment.spec.domains if d.localView}
        if not views or self.treatment.profile is None:
            return {}
        key = self.treatment.spec.profileKey
        select = ", ".join(f"({expr}) AS {domain}" for domain, expr in views.items())
        result = self.scores.query(
            f"SELECT {key}, {select} FROM profile",
            {"profile": self.treatment.profile},
            {},
            where=f"{self.treatment.name}: localView",
        )
        ids = result.column(key).to_pylist()
        return {d: dict(zip(ids, result.column(d).to_pylist(), strict=True)) for d in views}

    # --- the commands -------------------------------------------------------------------

    def treat(self, customer: str, as_of: dt.date | None = None) -> CustomerTreatment:
        served = {n: v for n, v in self.served_versions().items() if v is not None}
        enterprise = self.tiers(served, as_of)
        if customer not in enterprise:
            raise UsageError(
                f"{self.entity} `{customer}` has no score ({self.treatment.name})",
                hint=hint_for(customer, list(enterprise)[:5000], f"enterprise {self.entity_plural}")
                or f"use the enterprise id of a {self.entity} (the {self.entity} master's `entity_id`)",
            )
        local = self.local_tiers()
        actions = []
        for entry in self.treatment.spec.domains:
            versions = self.domain_versions(entry.domain)
            tier = enterprise[customer] if versions == served else self.tiers(versions, as_of).get(customer)
            tier = tier or self.treatment.spec.tiers[-1].name
            actions.append(
                DomainAction(
                    domain=entry.domain,
                    tier=tier,
                    action=entry.actions.get(tier, ""),
                    versions=versions,
                    local_tier=local.get(entry.domain, {}).get(customer),
                )
            )
        return CustomerTreatment(
            customer_id=customer,
            treatment=self.treatment.name,
            entity=self.entity,
            tier=enterprise[customer],
            bands={n: self.bands(n, v, as_of).get(customer) for n, v in served.items()},
            versions=served,
            domains=actions,
        )

    def consistency(self, as_of: dt.date | None = None, examples: int = 5) -> ConsistencyReport:
        served_all = self.served_versions()
        served = {n: v for n, v in served_all.items() if v is not None}
        enterprise = self.tiers(served, as_of)
        findings: list[VersionFinding] = []
        per_domain: dict[str, dict[str, str]] = {}
        for entry in self.treatment.spec.domains:
            versions = self.domain_versions(entry.domain)
            if versions == served:
                per_domain[entry.domain] = enterprise
                continue
            try:
                tiers = self.tiers(versions, as_of)
            except UsageError:
                tiers = {}
            per_domain[entry.domain] = tiers or enterprise
            for name, version in versions.items():
                if version != served.get(name):
                    affected = sum(1 for c, t in tiers.items() if enterprise.get(c) != t) if tiers else None
                    findings.append(
                        VersionFinding(
                            domain=entry.domain,
                            score=name,
                            used=version,
                            served=served_all.get(name),
                            customers_affected=affected,
                        )
                    )
        conflicts = _conflicts(per_domain, examples)
        counts: dict[str, int] = {}
        for tier in enterprise.values():
            counts[tier] = counts.get(tier, 0) + 1
        local = self.local_tiers()
        comparison = None
        if local:
            comparison = _local_comparison(local, enterprise, examples)
        return ConsistencyReport(
            treatment=self.treatment.name,
            entity=self.entity,
            entity_plural=self.entity_plural,
            as_of=as_of,
            served=served_all,
            customers=len(enterprise),
            tier_counts=dict(sorted(counts.items(), key=lambda kv: -kv[1])),
            findings=findings,
            conflicting_customers=conflicts[0],
            conflicts=conflicts[1],
            local=comparison,
        )


def _conflicts(per_domain: dict[str, dict[str, str]], examples: int) -> tuple[int, list[Conflict]]:
    customers = set().union(*(set(t) for t in per_domain.values())) if per_domain else set()
    count, found = 0, list[Conflict]()
    for customer in sorted(customers):
        tiers = {d: t[customer] for d, t in per_domain.items() if customer in t}
        if len(set(tiers.values())) > 1:
            count += 1
            if len(found) < examples:
                found.append(Conflict(customer_id=customer, tiers=tiers))
    return count, found


def _local_comparison(
    local: dict[str, dict[str, Any]], enterprise: dict[str, str], examples: int
) -> LocalComparison:
    customers = sorted(enterprise)
    count, found = _conflicts(
        {
            d: {c: str(t) for c, t in tiers.items() if c in enterprise and t is not None}
            for d, tiers in local.items()
        },
        examples,
    )
    differs = {
        d: round(float(np.mean([tiers.get(c) != enterprise[c] for c in customers])), 4) if customers else 0.0
        for d, tiers in local.items()
    }
    return LocalComparison(
        domains=sorted(local),
        customers=len(customers),
        conflicting_customers=count,
        share=round(count / len(customers), 4) if customers else 0.0,
        differs_from_enterprise=differs,
        examples=found,
    )


def plural(entity: str) -> str:
    """The entity's name in the plural, as the CLI prints counts (snake_case names become words).

    >>> [plural(e) for e in ("customer", "vendor", "supplier", "company", "address", "ship_to_site")]
    ['customers', 'vendors', 'suppliers', 'companies', 'addresses', 'ship to sites']
    """
    words = entity.replace("_", " ").strip()
    if words.endswith("y") and words[-2:-1] not in ("a", "e", "i", "o", "u"):
        return words[:-1] + "ies"
    if words.endswith(("s", "x", "z", "ch", "sh")):
        return words + "es"
    return words + "s"


def tier_table(tiers: dict[str, str]) -> pa.Table:
    return pa.table({"customer_id": list(tiers), "tier": list(tiers.values())})


__all__ = [
    "ConsistencyReport",
    "CustomerTreatment",
    "DomainAction",
    "LocalComparison",
    "TreatmentService",
    "VersionFinding",
    "plural",
    "tier_table",
]
