"""Standardisers, case by case (cases/standardise.yaml): what each unit keys becomes comparable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from andmesh.enterprise.entities.standardise import output_columns, standardise
from andmesh.enterprise.entities.vocabulary import Vocabulary

CASES: dict[str, list[list[Any]]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "standardise.yaml").read_text()
)


@pytest.mark.parametrize("standardiser", sorted(CASES))
def test_standardiser_cases(standardiser: str) -> None:
    raws = [c[0] for c in CASES[standardiser]]
    countries = [c[1] for c in CASES[standardiser]]
    expected = [c[2] for c in CASES[standardiser]]
    assert standardise(standardiser, raws, countries=countries) == expected


def test_derived_columns() -> None:
    assert standardise("company_name", ["J. Müller Logistik GmbH"], output="key") == ["j mueller"]
    assert standardise("company_name", ["J. Müller Logistik GmbH"], output="tokens") == [3]
    assert standardise("company_name", ["Stardal International B.V."], output="prefix") == ["stardal inte"]
    assert standardise("street", ["Mühlenstraße 137"], output="number") == ["137"]
    assert standardise("email", ["a@b.de"], output="domain") == ["b.de"]
    assert output_columns("street", "street") == ["street", "street_number"]


def test_a_spec_vocabulary_extends_the_built_ins() -> None:
    vocab = Vocabulary().extended(
        legal_forms=["Pty. Ltd.", "Kft."],
        abbreviations={"Mfrs.": "Manufacturers"},
        ignore=["Dept. Achats"],
        site_labels=["Hangar"],
        city_aliases={"Bratislava": ["Pressburg"]},
    )
    assert standardise("company_name", ["Acme Kft., Dept. Achats"], vocabulary=vocab) == ["acme"]
    assert standardise("site_name", ["Acme Hangar 7"], vocabulary=vocab) == ["acme"]
    assert standardise("city", ["Pressburg"], vocabulary=vocab) == ["bratislava"]
    assert standardise("company_name", ["Acme Mfrs."], vocabulary=vocab) == ["acme manufacturers"]
